// hardship — the little script the pages use. Everything works without it; it only adds:
// confirmations before irreversible steps, a live deadline countdown, live updates of GET forms marked
// data-live (the score impact), and copy buttons for the application's fields.
"use strict";

document.addEventListener("submit", (e) => {
  const form = e.target;
  const msg = form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

function tickCountdowns() {
  for (const el of document.querySelectorAll("[data-deadline]")) {
    const left = new Date(el.getAttribute("data-deadline")).getTime() - Date.now();
    if (Number.isNaN(left)) continue;
    if (left <= 0) {
      el.textContent = "closed";
      continue;
    }
    const d = Math.floor(left / 86400000);
    const h = Math.floor((left % 86400000) / 3600000);
    const m = Math.floor((left % 3600000) / 60000);
    el.textContent = `${d} days ${h} h ${m} min left`;
  }
}
tickCountdowns();
setInterval(tickCountdowns, 30000);

// A GET form with data-live="ID" refetches its own page as its inputs change and swaps element ID.
for (const form of document.querySelectorAll("form[data-live]")) {
  let timer = null;
  let seq = 0;
  const target = form.getAttribute("data-live");
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const url = new URL(form.action, window.location.href);
      url.search = new URLSearchParams(new FormData(form)).toString();
      try {
        const res = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
        if (!res.ok || mine !== seq) return;
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const fresh = doc.getElementById(target);
        const old = document.getElementById(target);
        if (fresh && old) {
          old.replaceWith(fresh);
          history.replaceState(null, "", url);
        }
      } catch (_) {
        // Offline or a server error: the form still submits normally.
      }
    }, 250);
  });
}

document.addEventListener("click", async (e) => {
  const btn = e.target.closest("[data-copy]");
  if (!btn) return;
  const source = document.getElementById(btn.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  await navigator.clipboard.writeText(source.textContent.trim());
  btn.textContent = "copied";
  setTimeout(() => { btn.textContent = "copy"; }, 1500);
});
