/* kefu tickets: keyboard shortcuts of the inbox and the ticket page, the bulk bar, and
 * quick replies in the reply box (type /shortcut, Tab fills it in from the server).
 * Every form works without this file; it only makes the work faster. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=true]");
  }

  // ------------------------------------------------------------------ inbox

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]"));
  }

  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("is-current")) return i;
    }
    return -1;
  }

  function moveTo(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[index];
    row.classList.add("is-current");
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("a.ticket-link");
    if (link) link.focus({ preventScroll: true });
  }

  function selectedTickets() {
    return document.querySelectorAll("input[name=ticket]:checked");
  }

  function updateBulk() {
    var bar = document.querySelector("[data-bulk]");
    if (!bar) return;
    var n = selectedTickets().length;
    var count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = String(n);
    bar.classList.toggle("is-active", n > 0);
  }

  function inboxKey(event) {
    var list = rows();
    if (!list.length && event.key !== "/") return false;
    var i = currentIndex(list);
    switch (event.key) {
      case "j":
        moveTo(list, i + 1);
        return true;
      case "k":
        moveTo(list, i < 0 ? 0 : i - 1);
        return true;
      case "o":
      case "Enter":
        if (i >= 0) {
          window.location.href = list[i].getAttribute("data-href");
          return true;
        }
        return false;
      case "x":
        if (i >= 0) {
          var box = list[i].querySelector("input[name=ticket]");
          if (box) {
            box.checked = !box.checked;
            updateBulk();
          }
        }
        return true;
      case "a": {
        var bar = document.querySelector("[data-bulk]");
        if (!bar) return false;
        if (!selectedTickets().length && i >= 0) {
          var own = list[i].querySelector("input[name=ticket]");
          if (own) own.checked = true;
        }
        if (!selectedTickets().length) return true;
        bar.querySelector("select[name=assignee]").value = "me";
        bar.querySelector("[data-bulk-assign]").click();
        return true;
      }
      case "s": {
        var action = document.getElementById("bulk-action");
        if (action) action.focus();
        return !!action;
      }
      default:
        return false;
    }
  }

  // ------------------------------------------------------------------ the ticket page

  function composerText() {
    return document.getElementById("reply-body");
  }

  function setKind(kind) {
    var radio = document.getElementById("kind-" + kind);
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var text = composerText();
    if (text) text.focus();
  }

  function ticketKey(event) {
    switch (event.key) {
      case "r":
        if (!composerText()) return false;
        setKind("reply");
        return true;
      case "n":
        if (!composerText()) return false;
        setKind("note");
        return true;
      case "c": {
        var log = document.getElementById("call-log");
        if (!log) return false;
        log.open = true;
        var outcome = document.getElementById("call-outcome");
        if (outcome) outcome.focus();
        return true;
      }
      case "a": {
        var take = document.querySelector("[data-key-a]");
        if (take) take.click();
        return !!take;
      }
      case "s": {
        var status = document.querySelector("[data-key-s]");
        if (status) status.focus();
        return !!status;
      }
      case "u": {
        var back = document.querySelector("[data-key-u]");
        if (back) window.location.href = back.href;
        return !!back;
      }
      default:
        return false;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.metaKey || event.ctrlKey) {
      // Ctrl/Cmd+Enter sends from the reply box.
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && event.target.id === "reply-body") {
        var send = event.target.form && event.target.form.querySelector("[data-send]");
        if (send) {
          event.preventDefault();
          send.click();
        }
      }
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape" && !document.querySelector("[data-qr-menu]:not([hidden])")) {
        event.target.blur();
      }
      return;
    }
    if (event.key === "/") {
      var search = document.querySelector("[data-key='/']");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    if (event.key === "?") {
      var help = document.getElementById("key-help");
      if (help) {
        help.open = !help.open;
        if (help.open) help.scrollIntoView({ block: "nearest" });
      }
      event.preventDefault();
      return;
    }
    var handled = document.querySelector("[data-ticket-list]") ? inboxKey(event) : ticketKey(event);
    if (handled) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "ticket") updateBulk();
    if (target.name === "kind" && target.closest("[data-composer]")) {
      var text = composerText();
      if (text) {
        if (!text.dataset.placeholderReply) text.dataset.placeholderReply = text.placeholder;
        text.placeholder = target.value === "note" ? text.dataset.placeholderNote : text.dataset.placeholderReply;
      }
    }
    if (target.closest && target.closest("[data-status-form]") && target.tagName === "SELECT") {
      var reason = target.form.querySelector("input[name=reason]");
      var option = target.options[target.selectedIndex];
      if (reason) reason.required = !!(option && option.hasAttribute("data-needs-reason"));
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-bulk]")) {
      if (!selectedTickets().length) {
        event.preventDefault();
        var count = form.querySelector(".bulk-count");
        if (count) {
          count.classList.add("field-error");
          window.setTimeout(function () { count.classList.remove("field-error"); }, 1500);
        }
        return;
      }
      form.querySelector("input[name=next]").value = window.location.pathname + window.location.search;
    }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("[data-ticket-row]");
    if (row && !event.target.closest("a, input, button, label")) {
      rows().forEach(function (r) { r.classList.remove("is-current"); });
      row.classList.add("is-current");
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    updateBulk();
  });

  // ------------------------------------------------------------------ quick replies

  var menuState = { items: [], index: 0, start: -1 };

  function replies() {
    var data = document.getElementById("quick-replies-data");
    if (!data) return [];
    try {
      return JSON.parse(data.textContent) || [];
    } catch (e) {
      return [];
    }
  }

  function tokenBeforeCaret(text) {
    var caret = text.selectionStart;
    var before = text.value.slice(0, caret);
    var match = /(^|\s)\/([^\s\/]*)$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, end: caret, word: match[2].toLowerCase() };
  }

  function menu() {
    return document.querySelector("[data-qr-menu]");
  }

  function closeMenu() {
    var box = menu();
    if (box) {
      box.hidden = true;
      box.innerHTML = "";
    }
    menuState.items = [];
  }

  function renderMenu() {
    var box = menu();
    if (!box) return;
    box.innerHTML = "";
    menuState.items.forEach(function (item, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "qr-item";
      button.setAttribute("role", "option");
      button.setAttribute("aria-selected", i === menuState.index ? "true" : "false");
      var code = document.createElement("code");
      code.textContent = "/" + item.shortcut;
      var title = document.createElement("span");
      title.textContent = item.title;
      button.appendChild(code);
      button.appendChild(title);
      if (item.shared) {
        var small = document.createElement("small");
        small.textContent = box.getAttribute("data-shared-label") || "";
        button.appendChild(small);
      }
      button.addEventListener("mousedown", function (event) {
        event.preventDefault();
        expand(item.shortcut);
      });
      box.appendChild(button);
    });
    box.hidden = menuState.items.length === 0;
  }

  function showMenu(text) {
    var token = tokenBeforeCaret(text);
    if (!token) return closeMenu();
    var word = token.word;
    var found = replies().filter(function (r) {
      return r.shortcut.indexOf(word) === 0 || (word && r.title.toLowerCase().indexOf(word) >= 0);
    });
    found.sort(function (a, b) {
      return (a.shortcut.indexOf(word) === 0 ? 0 : 1) - (b.shortcut.indexOf(word) === 0 ? 0 : 1);
    });
    menuState.items = found.slice(0, 8);
    menuState.index = 0;
    renderMenu();
  }

  function warn(message) {
    var box = document.querySelector("[data-qr-warning]");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  function expand(shortcut) {
    var text = composerText();
    if (!text) return;
    var form = text.form;
    var token = tokenBeforeCaret(text);
    closeMenu();
    if (!token) return;
    var body = new FormData();
    body.append("shortcut", shortcut);
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.getAttribute("data-expand-url"), {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.error) {
          warn(data.error);
          return;
        }
        var value = text.value;
        text.value = value.slice(0, token.start) + data.text + value.slice(token.end);
        var caret = token.start + data.text.length;
        text.focus();
        text.setSelectionRange(caret, caret);
        warn(data.warning);
        text.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () { warn(""); });
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "reply-body" && event.isTrusted) showMenu(event.target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "reply-body") return;
    var open = menuState.items.length > 0;
    if (event.key === "Tab" && !event.shiftKey) {
      var token = tokenBeforeCaret(event.target);
      if (!token) return;
      var pick = open ? menuState.items[menuState.index] : null;
      var exact = replies().filter(function (r) { return r.shortcut === token.word; })[0];
      var chosen = pick || exact;
      if (chosen) {
        event.preventDefault();
        expand(chosen.shortcut);
      }
      return;
    }
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      menuState.index = (menuState.index + step + menuState.items.length) % menuState.items.length;
      renderMenu();
    } else if (event.key === "Enter") {
      event.preventDefault();
      expand(menuState.items[menuState.index].shortcut);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.id === "reply-body") window.setTimeout(closeMenu, 150);
  });
})();
