// GOV.UK Frontend's "JavaScript is on" classes, set before the page is drawn so that
// components hidden until their script runs do not flash. A file rather than the
// template's inline snippet, so the Content-Security-Policy needs no exception for it.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
