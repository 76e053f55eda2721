/**
 * `/upload`: an image or DICOM file with the metadata of docs/configuration.md ("The metadata of
 * an upload"). The optional identifiers are stored apart from the record (for the reports that
 * name the patient) and never reach a model; the form says so.
 */
import { bodySiteTerms } from '../../clinical/body-site-vocabulary.js';
import { specialties } from '../../clinical/specialty-list.js';
import type { UploadPageProps } from '../view-props.js';
import { Layout } from './layout.js';
import { csrfFieldName, viewPaths } from './view-paths.js';

export function UploadPage(props: UploadPageProps) {
  return (
    <Layout title="Upload" principal={props.principal} csrfToken={props.csrfToken}>
      <h1>Upload an image</h1>
      <section class="card">
        {props.error && (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        <form class="stack" method="post" action={viewPaths.upload} enctype="multipart/form-data">
          <input type="hidden" name={csrfFieldName} value={props.csrfToken} />
          <div>
            <label for="upload-image">Image or DICOM file</label>
            <input
              id="upload-image"
              name="image"
              type="file"
              required
              accept="image/jpeg,image/png,image/webp,image/tiff,image/jp2,application/dicom,.dcm,.jp2"
            />
          </div>
          <div>
            <label for="upload-extent">Extent</label>
            <select id="upload-extent" name="extent">
              <option value="localized">localized (one lesion)</option>
              <option value="widespread">widespread (a rash)</option>
              <option value="unspecified" selected>
                not stated (the image decides the route)
              </option>
            </select>
          </div>
          <div>
            <label for="upload-image-type">Image type</label>
            <select id="upload-image-type" name="imageType">
              <option value="">not stated</option>
              <option value="dermoscopy">dermoscopy (through a dermatoscope)</option>
              <option value="clinical">clinical photograph</option>
            </select>
          </div>
          <div>
            <label for="upload-body-site">Body site</label>
            <input
              id="upload-body-site"
              name="bodySite"
              type="text"
              maxlength={80}
              placeholder="left upper back"
              list="body-site-terms"
              autocomplete="off"
            />
            {/* The vocabulary a body site must be written in: anything else is dropped, not guessed. */}
            <datalist id="body-site-terms">
              {bodySiteTerms.map((term) => (
                <option value={term} />
              ))}
            </datalist>
          </div>
          <div>
            <label for="upload-age">Age (years)</label>
            <input id="upload-age" name="age" type="number" min={0} max={130} step={1} inputmode="numeric" />
          </div>
          <div>
            <label for="upload-sex">Sex</label>
            <select id="upload-sex" name="sex">
              <option value="">not stated</option>
              <option value="female">female</option>
              <option value="male">male</option>
              <option value="other">other</option>
              <option value="unknown">unknown</option>
            </select>
          </div>
          <div>
            <label for="upload-specialty">Specialty</label>
            <select id="upload-specialty" name="specialty">
              <option value="">not stated</option>
              {specialties.map((specialty) => (
                <option value={specialty}>{specialty}</option>
              ))}
            </select>
          </div>
          <div>
            <label for="upload-duration">Duration (days)</label>
            <input
              id="upload-duration"
              name="durationDays"
              type="number"
              min={0}
              step={1}
              inputmode="numeric"
            />
          </div>
          <div>
            <label for="upload-notes">Notes</label>
            <textarea id="upload-notes" name="notes" rows={4} maxlength={4000} />
            <p class="muted">
              Leave out names, dates of birth and record numbers: notes are scrubbed of identifiers before a
              model sees them and are never stored in the record.
            </p>
          </div>
          <PatientIdentifierFields />
          <button class="primary" type="submit">
            Upload and analyse
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The identifiers a report may name the patient with: kept apart from the record. */
function PatientIdentifierFields() {
  return (
    <fieldset>
      <legend>Patient identifiers (optional)</legend>
      <p class="muted">
        Stored apart from the record for the reports that name the patient; never logged, never sent to a
        model.
      </p>
      <div>
        <label for="upload-patient-name">Patient name</label>
        <input id="upload-patient-name" name="patientName" type="text" maxlength={200} autocomplete="off" />
      </div>
      <div>
        <label for="upload-patient-id">Patient id (MRN)</label>
        <input id="upload-patient-id" name="patientId" type="text" maxlength={100} autocomplete="off" />
      </div>
      <div>
        <label for="upload-date-of-birth">Date of birth</label>
        <input id="upload-date-of-birth" name="dateOfBirth" type="date" autocomplete="off" />
      </div>
    </fieldset>
  );
}
