/**
 * The one stylesheet of every page, inlined so a page is a single request. Readable from a 390 px
 * phone to a desktop: one column by default, two from 900 px. Colours keep a 4.5:1 contrast; the
 * chosen region of interest is orange and thick, other detections thin cyan, so they differ
 * without relying on colour alone (the ROI is also labelled).
 */
export const pageStyle = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f5f6f8}
header.site{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1rem;background:#16324f;color:#fff}
header.site a{color:#fff}
header.site .brand{font-weight:700;text-decoration:none;font-size:1.1rem}
header.site nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;flex:1}
header.site .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;font-size:.9rem}
header.site button{white-space:nowrap;background:none;border:1px solid #fff;color:#fff;border-radius:4px;padding:.15rem .6rem;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1rem}
footer.site{max-width:1200px;margin:0 auto;padding:1rem;color:#4a5562;font-size:.85rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 .75rem}
section.card,search.card{display:block;background:#fff;border:1px solid #d5dae1;border-radius:8px;padding:1rem;margin:0 0 1rem;overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:1fr;gap:0 1rem}
@media (min-width:900px){.grid{grid-template-columns:3fr 2fr}}
.muted{color:#4a5562}
.notice{padding:.6rem .8rem;border-radius:6px;background:#e8f1fb;border:1px solid #9cc1e8;margin:0 0 1rem}
.error{padding:.6rem .8rem;border-radius:6px;background:#fdecec;border:1px solid #e39b9b;margin:0 0 1rem}
.verdict{border-radius:8px;padding:.8rem 1rem;margin:0 0 1rem;border:2px solid}
.verdict-confident{background:#e9f6ec;border-color:#2e7d45}
.verdict-uncertain{background:#fff6e0;border-color:#b7791f}
.verdict-out-of-scope,.verdict-failed{background:#fdecec;border-color:#b3261e}
.verdict-unassessed{background:#eef0f3;border-color:#6b7785}
.verdict h2{margin:0 0 .25rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:4px;font-size:.8rem;font-weight:600;border:1px solid #6b7785;background:#fff;white-space:nowrap}
.badge-succeeded,.badge-confident,.badge-final{border-color:#2e7d45;color:#1f5a31}
.badge-degraded,.badge-uncertain,.badge-preliminary{border-color:#b7791f;color:#7a4f0f}
.badge-failed,.badge-out-of-scope,.badge-rejected{border-color:#b3261e;color:#8c1d17}
.demo{font-weight:600;color:#8c1d17}
figure{margin:0}
.overlay{display:block;width:100%;height:auto;max-height:80vh;background:#222;border-radius:6px}
.overlay .box{fill:none;stroke:#00e5ff;stroke-width:2}
.overlay .roi .box{stroke:#ff8c00;stroke-width:4}
.overlay .crop-area{fill:none;stroke:#ff8c00;stroke-width:2;stroke-dasharray:8 6}
.overlay .tag{fill:#00323a;stroke:none;opacity:.85}
.overlay .roi .tag{fill:#5a2f00}
.overlay text{fill:#fff;font-family:system-ui,sans-serif}
.crop img{max-width:100%;height:auto;border-radius:6px;border:3px solid #ff8c00}
.bars{list-style:none;padding:0;margin:0}
.bars li{margin:0 0 .6rem}
.bar-head{display:flex;justify-content:space-between;gap:1rem}
.bar{height:.9rem;background:#e3e7ec;border-radius:4px;overflow:hidden}
.bar .fill{height:100%;background:#2f6db5}
.bar.raw{height:.35rem;margin-top:2px}
.bar.raw .fill{background:#8a96a3}
.timeline{list-style:none;padding:0;margin:0}
.timeline li{display:grid;grid-template-columns:minmax(7rem,11rem) 1fr 5rem;gap:.5rem;align-items:center;font-size:.9rem}
.timeline li.sub{font-size:.8rem;color:#4a5562}
.timeline li.sub .step{padding-left:1rem}
.timeline .ms{text-align:right;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e3e7ec;vertical-align:top}
th{font-size:.85rem;color:#4a5562}
@media (max-width:700px){
 header.site nav{flex-basis:100%}
 header.site .who{margin-left:auto}
 h1{font-size:1.25rem}
 table.worklist,table.worklist tbody{display:block}
 table.worklist thead{display:none}
 table.worklist tr{display:block;border:1px solid #d5dae1;border-radius:8px;margin:0 0 .75rem;background:#fff;padding:.25rem .5rem}
 table.worklist td{display:flex;justify-content:space-between;gap:1rem;border:none;padding:.2rem 0}
 table.worklist td::before{content:attr(data-label);font-weight:600;color:#4a5562;flex:none}
 table.worklist td>*{min-width:0;overflow-wrap:anywhere;text-align:right}
 .timeline li{grid-template-columns:6rem 1fr 4rem}
}
form.stack{display:grid;gap:.75rem;max-width:40rem}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
label{display:block;font-weight:600;font-size:.9rem}
input,select,textarea{font:inherit;width:100%;padding:.4rem .5rem;border:1px solid #9aa5b1;border-radius:4px;background:#fff}
form.filters label{flex:1 1 9rem}
fieldset{border:1px solid #d5dae1;border-radius:6px;padding:.5rem .75rem}
fieldset.choices label{display:inline-flex;gap:.35rem;align-items:center;font-weight:400;margin-right:1rem}
fieldset.choices input{width:auto}
button.primary{font:inherit;font-weight:600;background:#2f6db5;color:#fff;border:none;border-radius:4px;padding:.5rem 1.2rem;cursor:pointer;justify-self:start}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.facts dt{font-weight:600;color:#4a5562}
dl.facts dd{margin:0}
`;
