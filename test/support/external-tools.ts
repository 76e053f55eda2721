/**
 * Debian tools the output tests check with (dciodvfy from dicom3tools, dsrdump from dcmtk,
 * pdftoppm and pdftotext from poppler-utils), installed by `.ci/run`. A test using one skips with
 * this message where the tool is missing, instead of failing on a machine without it.
 */
import { spawnSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** `false` when all tools are there, or the reason to skip. */
export function skipWithout(...names: string[]): false | string {
  const missing = names.filter((name) => !hasTool(name));
  return missing.length === 0
    ? false
    : `${missing.join(', ')} not installed (.ci/run installs dicom3tools, dcmtk, poppler-utils)`;
}

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(name: string, args: string[]): ToolRun {
  const run = spawnSync(name, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
