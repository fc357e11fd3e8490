// Progressive only: every page works without this script.
(function () {
  // The viewer's time zone: offered in the preferences form, remembered once as a cookie.
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var field = document.getElementById("tz");
  if (zone && field && document.cookie.indexOf("tz=") === -1) {
    document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;samesite=lax";
    if (field.dataset.tzCurrent !== zone) { location.reload(); return; }
  }
  // PNG export: the server's SVG drawn on a canvas.
  document.querySelectorAll("[data-png]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var svg = document.querySelector('[data-chart="' + button.dataset.png + '"] svg');
      if (!svg) { return; }
      var image = new Image();
      var data = new XMLSerializer().serializeToString(svg);
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = svg.viewBox.baseVal.width * 2; canvas.height = svg.viewBox.baseVal.height * 2;
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff"; context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        var link = document.createElement("a");
        link.download = button.dataset.png + ".png"; link.href = canvas.toDataURL("image/png");
        link.click();
      };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data);
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
