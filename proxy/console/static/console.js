// Progressive enhancement only: every page works without this file (GOV.UK Frontend's own behaviour, e.g. the
// error summary taking focus). Loaded as a module, so browsers too old for GOV.UK Frontend's JavaScript skip it.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
