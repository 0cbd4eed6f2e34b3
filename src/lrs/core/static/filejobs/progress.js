// Keeps a file's progress bar up to date while it is processed (a batch, or an achievement
// job: any section with data-progress-url): polls its progress.json (same origin, the
// session's cookie) and, once it has finished ("finished": true), reloads the page to show
// its outcome. Without JavaScript (or once polling gives up) the page asks for a refresh.
const section = document.querySelector("[data-progress-url]");

if (section) {
  const url = section.dataset.progressUrl;
  const every = Number(section.dataset.pollMs) || 2000;
  const bar = section.querySelector("progress");
  const text = section.querySelector("[data-progress-text]");
  const refresh = section.querySelector("[data-progress-refresh]");
  let failures = 0;

  // With this script running the page keeps itself up to date: say that instead of
  // asking for a refresh (the link is for pages without JavaScript, or when polling stops).
  const refreshText = refresh ? refresh.innerHTML : "";
  const updating = () => {
    if (refresh) refresh.textContent = "This page updates itself while the file is processed.";
  };
  const stopped = () => {
    if (refresh) refresh.innerHTML = refreshText;
  };
  updating();

  const show = (data) => {
    if (data.total > 0) {
      bar.max = data.total;
      bar.value = data.processed;
    }
    if (text.textContent !== data.progress) {
      text.textContent = data.progress;
    }
    bar.textContent = data.progress;
  };

  const poll = async () => {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      // Signed out, or the batch has gone: leave the Refresh link to the person.
      if (!response.ok || response.redirected) {
        stopped();
        return;
      }
      const data = await response.json();
      failures = 0;
      show(data);
      if (data.finished || data.status === "complete" || data.status === "failed") {
        window.location.reload();
        return;
      }
    } catch {
      failures += 1;
      if (failures >= 5) {
        stopped();
        return;
      }
    }
    window.setTimeout(poll, every);
  };

  window.setTimeout(poll, every);
}
