// The call page's two behaviours: a transcript line seeks the recording to when it was said, and
// after "run post-call again" the post-call section is fetched again until the new run has an outcome.
(function () {
  const player = document.getElementById("player");
  if (player) {
    document.querySelectorAll(".transcript .line").forEach(function (line) {
      const seek = function () {
        player.currentTime = parseFloat(line.dataset.t);
        player.play();
        document.querySelectorAll(".line.playing").forEach(function (l) { l.classList.remove("playing"); });
        line.classList.add("playing");
      };
      line.addEventListener("click", seek);
      line.addEventListener("keydown", function (e) { if (e.key === "Enter") seek(); });
    });
  }
  const section = document.getElementById("post-call");
  if (section && section.dataset.awaiting !== undefined) {
    const before = parseInt(section.dataset.awaiting, 10);
    const poll = function () {
      fetch("/calls/" + section.dataset.callId + "/post-call", { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          section.innerHTML = html;
          const run = section.querySelector(".post-call");
          const done = run && parseInt(run.dataset.run, 10) > before && run.dataset.status !== "running";
          if (!done) setTimeout(poll, 1500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  }
})();
