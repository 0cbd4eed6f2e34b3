// Conditional reveal for radios: a radio with data-lrs-reveals="ID" shows the element
// with that id (a govuk-radios__conditional) while it is checked, and hides it otherwise.
//
// GOV.UK Frontend's own reveal (data-aria-controls) also sets aria-expanded on the radio,
// which ARIA does not allow on radios (axe: aria-allowed-attr, critical). The revealed
// questions follow their radio directly, so nothing needs announcing, and no aria-controls
// is set either (GOV.UK Frontend would add aria-expanded to any radio that has one).
// Without JavaScript every conditional question is shown.
const radios = [...document.querySelectorAll("input[type=radio][data-lrs-reveals]")];

const sync = () => {
  for (const radio of radios) {
    const target = document.getElementById(radio.dataset.lrsReveals);
    if (target) {
      target.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
    }
  }
};

for (const input of document.querySelectorAll("input[type=radio]")) {
  input.addEventListener("change", sync);
}
window.addEventListener("pageshow", sync);
sync();
