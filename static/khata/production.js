/* Task boards: a refused move (400) still replaces the board, so its error is shown in place. */
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 400 && event.detail.target && event.detail.target.id === "board") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
