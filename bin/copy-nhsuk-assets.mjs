// Puts the parts of nhsuk-frontend that pages load (its script and images) under build/static,
// which Django's staticfiles serves. build/ is made at set-up and never committed.
import { cpSync, mkdirSync } from "node:fs";

const from = "node_modules/nhsuk-frontend/dist/nhsuk";
const to = "build/static/nhsuk";
mkdirSync(to, { recursive: true });
cpSync(`${from}/assets`, `${to}/assets`, { recursive: true });
cpSync(`${from}/nhsuk-frontend.min.js`, `${to}/nhsuk-frontend.min.js`);
