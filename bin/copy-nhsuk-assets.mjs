// Puts the parts of nhsuk-frontend that pages load (its script and images) under build/static,
// which Django's staticfiles serves. build/ is made at set-up and never committed.
import { cpSync, mkdirSync } from "node:fs";

const from = "node_modules/nhsuk-frontend/dist/nhsuk";
const to = "build/static/nhsuk";
mkdirSync(to, { recursive: true });
cpSync(`${from}/assets`, `${to}/assets`, { recursive: true });
cpSync(`${from}/nhsuk-frontend.min.js`, `${to}/nhsuk-frontend.min.js`);

// DejaVu Sans for the PDF bundles that disclosures release (any script a name may be written in).
// Read by the server, not served: it goes under build/fonts, outside static.
mkdirSync("build/fonts", { recursive: true });
for (const face of ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]) {
  cpSync(`node_modules/dejavu-fonts-ttf/ttf/${face}`, `build/fonts/${face}`);
}
