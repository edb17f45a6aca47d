// Reads where an order's status may be shown, in one pass over the page (flows/status_reading.py).
// It only finds *structure*: which text sits in which place. Which words are statuses, which
// candidates agree, and which history entry is the latest are decided in Python.
(args) => {
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const ours = new RegExp(args.ours, "i");
  const refs = new RegExp(args.orderRef, "gi");
  const statusRe = new RegExp(args.statusSource, "i");
  const bare = new RegExp("^\\W*(?:" + args.labelSource + ")\\W*$", "i");
  const prefix = new RegExp("^\\W*(?:" + args.labelSource + ")\\s*[:\\-\u2013\u2014]\\s*", "i");
  const dateRe = new RegExp(args.dateSource, "i");
  const dateHeader = new RegExp(args.dateHeaderSource, "i");
  const pendingRe = new RegExp(args.pendingSource, "i");
  const CONTROL =
    "a[href], button, select, option, input, textarea, label, summary, nav, [role=link], " +
    "[role=button], [role=navigation], [role=option], [role=tab], [role=tablist], " +
    "[role=menuitem], [role=listbox], [role=combobox], [role=radio], [role=checkbox]";
  const HEADING = "h1, h2, h3, h4, h5, h6, [role=heading]";
  const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "SVG", "svg"]);
  const mains = document.querySelectorAll("main, [role=main]");
  const root = mains.length === 1 ? mains[0] : document.body;

  // Visible by the element's own box: never by the root's or the body's (a layout may give
  // them no height and put everything in an absolutely positioned container).
  const shown = (el) => {
    if (!el.isConnected) return false;
    const box = el.getBoundingClientRect();
    if (box.width <= 0 || box.height <= 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.display !== "none";
  };
  const texts = new Map();
  const textOf = (el) => {
    if (el.nodeType === 3) return clean(el.textContent);
    if (!texts.has(el)) texts.set(el, clean(el.innerText ?? el.textContent));
    return texts.get(el);
  };
  const words = (text) => (text ? text.split(" ").length : 0);
  const isLeaf = (el) => ![...el.children].some((child) => textOf(child));
  const inControl = (el) => el.closest(CONTROL) !== null;

  // Order references: group 1 of ``refs`` (after "Order", "#", "No."), or a number with the
  // shop's own prefix as this order shows it ("MK-70002" beside "MK-70001").
  const shownNumber = (textOf(root).match(ours) || [""])[0];
  const shopPrefix = shownNumber.replace(/[0-9]+$/, "");
  const prefixed = /[A-Za-z]/.test(shopPrefix)
    ? new RegExp("(?<![A-Za-z0-9])(" + shopPrefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[0-9]{3,})(?![A-Za-z0-9])", "gi")
    : null;
  const otherOrders = (text) => {
    const found = [];
    const matches = [...text.matchAll(refs), ...(prefixed ? text.matchAll(prefixed) : [])];
    for (const match of matches) {
      const token = match[1] || "";
      if (token && !ours.test(token) && /[0-9]/.test(token)) found.push(token);
    }
    return found;
  };
  // Whose block an element is in: the nearest block that names an order.
  const owners = new Map();
  const ownerOf = (el) => {
    const trail = [];
    let answer = "none";
    for (let up = el; up && up !== document.documentElement; up = up.parentElement) {
      if (owners.has(up)) {
        answer = owners.get(up);
        break;
      }
      trail.push(up);
      const text = textOf(up);
      const mine = ours.test(text);
      const theirs = otherOrders(text).length > 0;
      if (mine || theirs) {
        answer = mine && theirs ? "shared" : mine ? "ours" : "other";
        break;
      }
      if (up === root) break;
    }
    for (const el of trail) owners.set(el, answer);
    return answer;
  };

  const accounted = new Set(); // elements whose status words are already reported
  const account = (el) => {
    accounted.add(el);
    for (const inner of el.querySelectorAll("*")) accounted.add(inner);
  };
  const labelled = [];
  const histories = [];
  const badges = [];
  const trackers = [];
  const timelines = [];
  const strays = [];
  const pending = [];
  const busy = (el) => el.closest("[aria-busy=true]") !== null;
  const notePending = (text, el) => {
    if (!text || pendingRe.test(text) || (el && busy(el))) {
      pending.push(text || "(empty)");
      return true;
    }
    return false;
  };

  // -- 1. values next to a status label --------------------------------------------------
  const roleOf = (el) => {
    const explicit = (el.getAttribute("role") || "").trim().toLowerCase();
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === "dt") return "term";
    if (tag === "td") return el.closest("thead") ? "columnheader" : "cell";
    if (tag !== "th") return "";
    const scope = (el.getAttribute("scope") || "").toLowerCase();
    if (scope === "row") return "rowheader";
    if (scope === "col" || el.closest("thead")) return "columnheader";
    const siblings = [...el.parentElement.children];
    return siblings.some((c) => c.tagName.toLowerCase() === "td") ? "rowheader" : "columnheader";
  };
  // A label's note in brackets ("Order status (updated hourly)") changes nothing; a note that
  // names a status ("Order status (Shipped)") is a value, not a label's note.
  const statusNote = (text) => {
    const label = bare.test(text) ? text : (text.match(prefix) || [""])[0];
    return [...label.matchAll(/\(([^()]*)\)/g)].some((note) => statusRe.test(note[1]));
  };
  const labelElements = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  for (let el = walker.currentNode; el; el = walker.nextNode()) {
    if (SKIP.has(el.tagName) || (el.textContent || "").length > 400) continue;
    const own = textOf(el);
    if (!own || !(bare.test(own) || prefix.test(own)) || statusNote(own)) continue;
    if ([...el.children].some((c) => { const t = textOf(c); return t && (bare.test(t) || prefix.test(t)); })) continue;
    if (inControl(el) || !shown(el)) continue;
    labelElements.push(el);
  }
  const cellsOf = (row) => [...row.children].filter((c) => /^(td|th)$/i.test(c.tagName) || /cell|header/.test(c.getAttribute("role") || ""));
  const readTable = (header, labelText) => {
    const row = header.parentElement;
    const index = [...row.children].indexOf(header);
    const table = header.closest("table, [role=table], [role=grid]");
    if (!table) return;
    const rows = [...table.querySelectorAll("tr, [role=row]")];
    const data = rows.slice(rows.indexOf(row) + 1).filter((r) => shown(r) && r.children[index] && textOf(r.children[index]));
    if (!data.length) return;
    account(table);
    const cell = (r) => textOf(r.children[index]);
    const mine = data.filter((r) => ours.test(textOf(r)));
    if (mine.length) {
      for (const r of data) {
        const place = mine.includes(r) ? "row_cell" : "other_order";
        labelled.push({ text: cell(r), label: labelText, place });
        if (place === "row_cell") notePending(cell(r), r.children[index]);
      }
      return;
    }
    // Another order's rows only: not this order's table.
    if (data.every((r) => otherOrders(textOf(r)).length)) {
      for (const r of data) labelled.push({ text: cell(r), label: labelText, place: "other_order" });
      return;
    }
    // A history: a column of dates (by its header, or every row's cell reads as a date).
    const headers = cellsOf(row);
    let dateIndex = headers.findIndex((h, i) => i !== index && dateHeader.test(textOf(h)));
    if (dateIndex < 0) {
      const width = Math.max(...data.map((r) => r.children.length));
      for (let i = 0; i < width && dateIndex < 0; i++) {
        if (i !== index && data.every((r) => r.children[i] && dateRe.test(textOf(r.children[i])))) dateIndex = i;
      }
    }
    if (dateIndex >= 0) {
      const sorted = headers[dateIndex] ? (headers[dateIndex].getAttribute("aria-sort") || "") : "";
      // What the table says of its order: its caption, its name, or the heading before it.
      const caption = table.querySelector("caption");
      let before = table.previousElementSibling;
      while (before && !before.matches(HEADING)) before = before.previousElementSibling;
      const said = [caption, before].filter(Boolean).map(textOf).join(" ");
      histories.push({
        label: labelText,
        entries: data.map((r) => ({
          date: r.children[dateIndex] ? textOf(r.children[dateIndex]) : "",
          text: cell(r),
        })),
        sorted: sorted.toLowerCase(),
        caption: (said + " " + (table.getAttribute("aria-label") || "")).slice(0, 200),
      });
      for (const r of data) if (pendingRe.test(cell(r))) pending.push(cell(r));
      return;
    }
    if (data.length === 1) {
      labelled.push({ text: cell(data[0]), label: labelText, place: "table_cell" });
      notePending(cell(data[0]), data[0].children[index]);
      return;
    }
    for (const r of data) labelled.push({ text: cell(r), label: labelText, place: "legend" });
  };
  for (const label of labelElements) {
    const own = textOf(label);
    const owner = ownerOf(label);
    if (!bare.test(own)) {
      const value = own.replace(prefix, "");
      const labelText = clean(own.slice(0, own.length - value.length).replace(/[:\-\u2013\u2014\s]+$/, ""));
      account(label);
      labelled.push({ text: value, label: labelText, place: owner === "other" ? "other_order" : "labelled" });
      if (owner !== "other") notePending(value, label);
      continue;
    }
    const labelText = own.replace(/[:\s]+$/, "");
    let el = label;
    for (let up = label; up && up !== root; up = up.parentElement) {
      if (textOf(up) !== own) break;
      el = up;
      if (roleOf(up)) break;
    }
    const role = roleOf(el);
    if (role === "columnheader") {
      readTable(el, labelText);
      continue;
    }
    let value = null;
    let valueEl = null;
    if (role) {
      let sibling = el.nextElementSibling;
      while (sibling && !textOf(sibling) && !busy(sibling)) sibling = sibling.nextElementSibling;
      if (sibling) {
        valueEl = sibling;
        value = textOf(sibling).split("\n")[0];
      }
    } else if (!el.matches(HEADING)) {
      // Plain text: the first thing after the label on its line, else after its wrapper. A
      // heading titles a section: what follows it is not a value.
      for (let up = el; up && up !== root; up = up.parentElement) {
        let node = up.nextSibling;
        while (node && !textOf(node).replace(/^[:\-\u2013\u2014\s]+/, "") && !(node.nodeType === 1 && busy(node))) node = node.nextSibling;
        if (node) {
          const block = node.nodeType === 1 && [...node.children].some((c) => getComputedStyle(c).display !== "inline" && textOf(c));
          if (!block) {
            valueEl = node.nodeType === 1 ? node : null;
            value = textOf(node).replace(/^[:\-\u2013\u2014\s]+/, "").split("\n")[0];
          }
          break;
        }
      }
    }
    if (value === null) continue;
    account(label);
    if (valueEl) account(valueEl);
    labelled.push({ text: value, label: labelText, place: owner === "other" ? "other_order" : "labelled" });
    if (owner !== "other") notePending(value, valueEl || label);
  }

  // -- 2. short texts in or right beside the order's heading ------------------------------
  const headingOf = (scope) =>
    [...scope.querySelectorAll(HEADING)].find((h) => shown(h) && ours.test(textOf(h)));
  const heading = headingOf(root) || headingOf(document.body);
  if (heading) {
    const leaves = (el) =>
      [el, ...el.querySelectorAll("*")].filter(
        (x) => !SKIP.has(x.tagName) && textOf(x) && isLeaf(x) && !inControl(x) && shown(x)
      );
    const near = [];
    for (const leaf of leaves(heading)) if (leaf !== heading && !ours.test(textOf(leaf))) near.push(leaf);
    if (isLeaf(heading) || near.length === 0) {
      // "Order #70001 - Shipped" in one text: what the heading says besides the number.
      const rest = textOf(heading).replace(ours, " ").replace(args.numberWords ? new RegExp(args.numberWords, "gi") : /$^/, " ");
      const left = clean(rest.replace(/^[\W_]+|[\W_]+$/g, ""));
      if (left && words(left) <= 4) badges.push({ text: left, where: "heading" });
    }
    let anchor = heading;
    for (let i = 0; i < 3; i++) {
      const parent = anchor.parentElement;
      if (!parent || parent === root || parent === document.body) break;
      if ([...parent.children].filter((c) => c !== anchor && textOf(c) && shown(c)).length) break;
      anchor = parent;
    }
    const STRUCTURE = HEADING + ", table, ul, ol, dl, form, section, article, aside, nav, p, [role=list], [role=table]";
    for (const step of ["previousElementSibling", "nextElementSibling"]) {
      let taken = 0;
      for (let sibling = anchor[step]; sibling && taken < 3; sibling = sibling[step]) {
        if (SKIP.has(sibling.tagName) || !shown(sibling)) continue;
        const text = textOf(sibling);
        if (!text) continue;
        if (words(text) > 8 || sibling.matches(STRUCTURE) || sibling.querySelector(STRUCTURE)) break;
        taken += 1;
        near.push(...leaves(sibling));
      }
    }
    for (const leaf of near) {
      if (accounted.has(leaf)) continue;
      account(leaf);
      badges.push({ text: textOf(leaf), where: leaf.closest(HEADING) ? "heading" : "beside" });
      if (pendingRe.test(textOf(leaf)) || busy(leaf)) pending.push(textOf(leaf));
    }
    if (busy(heading)) pending.push("(busy)");
  }

  // -- 3. progress trackers and timelines -------------------------------------------------
  const CURRENT = /(?:^|[\s_-])(?:current|active|in-progress|inprogress)(?:$|[\s_-])/i;
  const DONE = /(?:^|[\s_-])(?:complete|completed|done|finished|passed|visited)(?:$|[\s_-])/i;
  const marks = (item) => {
    const all = [item, ...item.querySelectorAll("*")];
    const aria = all.some((x) => {
      const value = (x.getAttribute("aria-current") || "").toLowerCase();
      return value && value !== "false";
    });
    const named = all.map((x) => (x.getAttribute("aria-label") || "") + " " + (x.getAttribute("class") || "")).join(" ");
    const said = textOf(item);
    return {
      current: aria ? 2 : CURRENT.test(named) || /\(current\)|\bcurrent step\b/i.test(said) ? 1 : 0,
      done: DONE.test(named) || /\bcompleted?\s*:/i.test(said),
    };
  };
  const MARK_WORDS = /\(current\)|\bcurrent step\b[:]?|\bcompleted?\s*:|\bstep \d+( of \d+)?[:.]?/gi;
  for (const group of root.querySelectorAll("*")) {
    if (SKIP.has(group.tagName) || group.children.length < 3 || inControl(group)) continue;
    if (/^(TR|TBODY|THEAD|TABLE|SELECT|DL)$/.test(group.tagName)) continue;
    const items = [...group.children].filter((c) => textOf(c) && shown(c));
    if (items.length < 3) continue;
    if (items.some((c) => words(textOf(c)) > 6 || textOf(c).length > 60)) continue;
    if (items.some((c) => c.matches(HEADING) || c.querySelector(HEADING))) continue;
    if (items.some((c) => c.querySelector(CONTROL) || c.matches(CONTROL))) continue;
    // Steps are status words, mostly: "Ordered · Packed · Shipped · Delivered".
    const naming = items.filter((c) => statusRe.test(textOf(c).replace(dateRe, " ")));
    if (naming.length < 2 || naming.length * 2 < items.length) continue;
    if (group.parentElement && accounted.has(group)) continue;
    account(group);
    const dated = items.filter((c) => dateRe.test(textOf(c)) || c.querySelector("time"));
    const steps = items.map((c) => ({ text: clean(textOf(c).replace(MARK_WORDS, " ")), ...marks(c) }));
    if (steps.some((s) => s.current || s.done) || dated.length < items.length) {
      trackers.push({ steps, other: ownerOf(group) === "other" });
    } else {
      timelines.push({
        entries: items.map((c) => {
          const time = c.querySelector("time");
          const date = time ? (time.getAttribute("datetime") || textOf(time)) : (textOf(c).match(dateRe) || [""])[0];
          return { date, text: clean(textOf(c).replace(time ? textOf(time) : date, " ")) };
        }),
        other: ownerOf(group) === "other",
      });
    }
  }

  // -- 4. every other status word on the page, and why it is not the order's --------------
  const all = root.querySelectorAll("*");
  for (const el of all) {
    if (strays.length >= 24) break;
    if (SKIP.has(el.tagName) || accounted.has(el) || el.closest("[hidden], template, script, style")) continue;
    const text = textOf(el);
    if (!text || !isLeaf(el) || words(text) > 12 || !statusRe.test(text) || !shown(el)) continue;
    let why = "elsewhere";
    if (inControl(el)) why = "control";
    else if (ownerOf(el) === "other") why = "other_order";
    else if (/[!?]/.test(text) || words(text) > 6) why = "sentence";
    else if (el.closest("table, ul, ol, dl, [role=list], [role=table]")) why = "legend";
    strays.push({ text, why });
  }
  return { labelled, histories, badges, trackers, timelines, strays, pending, heading: heading ? textOf(heading) : null };
}
