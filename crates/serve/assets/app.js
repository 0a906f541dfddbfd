// journeysim serve: the what-if panel. Builds a scenario document (the format of
// `journeysim whatif --scenario`) from the controls, asks POST /api/whatif for the exact figures
// and POST /api/simulate for intervals, and shows the answers. No library, no build step.
"use strict";

const state = { model: null, added: [], asked: 0, shown: 0, scenario: null };

const $ = (selector) => document.querySelector(selector);

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// Numbers: six significant digits, so a figure can be checked against the command line.
const percent = (x) => (x * 100).toPrecision(6) + "%";
const plain = (x) => x.toLocaleString("en", { maximumSignificantDigits: 6 });
// A change in a probability, in percentage points.
const points = (x) => (x * 100).toPrecision(6) + " pp";
const signed = (text, x) => (x > 0 ? "+" : "") + text;
const days = (x) => (x == null ? "–" : x.toPrecision(4) + " days");

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function slider(id, label, min, max, step, value, why) {
  const input = element("input", {
    type: "range", id, min, max, step, value, "aria-label": label,
  });
  const output = element("output", { for: id, id: id + "-value" });
  const cell = element("td", { class: "slider" }, input, output);
  if (why) {
    input.disabled = true;
    input.title = why;
    cell.append(element("span", { class: "why", text: why }));
  }
  input.addEventListener("input", () => { showSlider(input); changed(); });
  return cell;
}

function showSlider(input) {
  const out = document.getElementById(input.id + "-value");
  const v = Number(input.value);
  out.textContent = input.dataset.kind === "entry" ? v.toFixed(1) + "%" : signed(v + "%", v);
}

function buildPanel(model) {
  const rows = $("#touchpoints tbody");
  model.touchpoints.forEach((t, i) => {
    const name = t.touchpoint;
    const dropout = slider(`dropout-${i}`, `drop-out at ${name}`, -100, 100, 1, 0,
      t.dropout > 0 ? "" : `journeys never drop out straight from ${name}, so a drop-out change does nothing`);
    const conversion = slider(`conversion-${i}`, `conversion at ${name}`, -100, 200, 1, 0,
      t.conversion > 0 ? "" : `${name} never converts directly, so a conversion factor changes nothing`);
    const entryValue = (t.entry_share * 100).toFixed(1);
    const entry = slider(`entry-${i}`, `entry share of ${name}`, 0, 100, 0.1, entryValue, "");
    const remove = element("input", { type: "checkbox", id: `remove-${i}`, "aria-label": `remove ${name}` });
    remove.addEventListener("change", changed);
    const row = element("tr", { "data-touchpoint": name },
      element("th", { scope: "row", text: name }), dropout, conversion, entry, element("td", {}, remove));
    rows.append(row);
    entry.querySelector("input").dataset.kind = "entry";
    entry.querySelector("input").dataset.initial = entryValue;
    row.querySelectorAll("input[type=range]").forEach(showSlider);
    const option = element("option", { value: name, text: name });
    $("#add-like").append(option);
  });
  if (model.budget) {
    $("#spends").hidden = false;
    model.budget.channels.forEach((c, i) => {
      const input = element("input", {
        type: "number", id: `spend-${i}`, min: 0, step: "any", value: c.spend, "data-initial": c.spend,
        "aria-label": `spend on ${c.channel}`,
      });
      input.addEventListener("input", changed);
      $("#spends tbody").append(element("tr", {}, element("th", { scope: "row", text: c.channel }), element("td", {}, input)));
    });
  }
  $("#sim-journeys").value = model.journeys;
  $("#sim-seed").value = model.seed;
}

// The scenario document the controls describe; null when nothing is changed.
function scenario() {
  const changes = [];
  state.model.touchpoints.forEach((t, i) => {
    const name = t.touchpoint;
    if (document.getElementById(`remove-${i}`).checked) {
      changes.push({ change: "remove_touchpoint", touchpoint: name });
      return;
    }
    const percentChange = (id) => Number(document.getElementById(id).value);
    const dropout = percentChange(`dropout-${i}`);
    if (dropout !== 0) changes.push({ change: "scale_dropout", at: name, factor: (100 + dropout) / 100 });
    const conversion = percentChange(`conversion-${i}`);
    if (conversion !== 0) changes.push({ change: "scale_conversion", at: name, factor: (100 + conversion) / 100 });
    const entry = document.getElementById(`entry-${i}`);
    if (Number(entry.value) !== Number(entry.dataset.initial)) {
      changes.push({ change: "set_entry", touchpoint: name, probability: Number(entry.value) / 100 });
    }
  });
  for (const a of state.added) changes.push(a);
  if (state.model.budget) {
    state.model.budget.channels.forEach((c, i) => {
      const input = document.getElementById(`spend-${i}`);
      if (Number(input.value) !== Number(input.dataset.initial)) {
        changes.push({ change: "set_spend", channel: c.channel, spend: Number(input.value) });
      }
    });
  }
  if (changes.length === 0) return null;
  return { name: $("#scenario-name").value || "tried in journeysim serve", description: "", changes };
}

let timer = null;
function changed() {
  clearTimeout(timer);
  timer = setTimeout(update, 60);
}

async function update() {
  const doc = scenario();
  state.scenario = doc;
  const ask = ++state.asked;
  $("#scenario-json").textContent = doc ? JSON.stringify(doc, null, 2) : "";
  $("#download").disabled = !doc;
  $("#simulated tbody").replaceChildren();
  if (!doc) {
    showFigures(null);
    say([], "no change yet: move a slider", ask);
    return;
  }
  $("#status").textContent = "computing";
  try {
    const answer = await api("POST", "/api/whatif", doc);
    if (ask !== state.asked) return; // a newer change is on its way
    showFigures(answer.scenarios[0]);
    say(answer.warnings.map((w) => ({ text: w })), "ready", ask);
  } catch (error) {
    if (ask !== state.asked) return;
    showFigures(null);
    say([{ text: error.message, error: true }], "error", ask);
  }
}

function say(messages, status, ask) {
  $("#messages").replaceChildren(...messages.map((m) =>
    element("li", { class: m.error ? "error" : "warning", text: m.text })));
  $("#status").textContent = status;
  state.shown = ask;
  $("#status").dataset.request = ask;
}

function figureRow(label, id, base, alt, change, format, formatChange) {
  const cells = [element("th", { scope: "row", text: label }), element("td", { id: `baseline-${id}`, text: format(base) })];
  if (alt === undefined) {
    cells.push(element("td", { id: `scenario-${id}`, text: "" }), element("td", { id: `change-${id}`, text: "" }));
  } else {
    cells.push(element("td", { id: `scenario-${id}`, text: format(alt) }));
    const cell = element("td", { id: `change-${id}`, text: change == null ? "–" : signed(formatChange(change), change) });
    if (change) cell.className = change > 0 ? "up" : "down";
    cells.push(cell);
  }
  return element("tr", {}, ...cells);
}

function showFigures(outcome) {
  const base = outcome ? outcome.baseline : state.model.baseline;
  const alt = outcome ? outcome.scenario : undefined;
  const d = outcome ? outcome.difference : {};
  const n = state.model.journeys.toLocaleString("en");
  const rows = [
    figureRow("Conversion probability", "conversion-probability", base.conversion_probability,
      alt && alt.conversion_probability, d.conversion_probability, percent, points),
    figureRow("Relative change", "relative", null, alt && null, d.relative_conversion_probability,
      () => "", percent),
    figureRow("Value per journey", "value-per-journey", base.value_per_journey,
      alt && alt.value_per_journey, alt && alt.value_per_journey - base.value_per_journey, plain, plain),
    figureRow(`Conversions in ${n} journeys`, "expected-conversions", base.expected_conversions,
      alt && alt.expected_conversions, d.expected_conversions, plain, plain),
    figureRow(`Value in ${n} journeys`, "expected-value", base.expected_value,
      alt && alt.expected_value, d.expected_value, plain, plain),
  ];
  if (base.mean_time_to_conversion != null) {
    rows.push(figureRow("Mean time to conversion", "mean-time", base.mean_time_to_conversion,
      alt && alt.mean_time_to_conversion, d.mean_time_to_conversion, days, days));
  }
  $("#figures tbody").replaceChildren(...rows);
  const credits = outcome
    ? outcome.channels.map((c) => [c.channel, c.baseline_markov_conversions, c.scenario_markov_conversions])
    : state.model.baseline.channels.map((c) => [c.channel, c.markov_conversions, undefined]);
  credits.sort((a, b) => b[1] - a[1]);
  $("#credits tbody").replaceChildren(...credits.map(([channel, b, a]) =>
    figureRow(channel, `credit-${channel}`, b, a, a === undefined ? null : a - b, plain, plain)));
}

function showHeadline(model) {
  const b = model.baseline;
  const items = [
    ["Conversion probability", percent(b.conversion_probability)],
    ["Value per journey", plain(b.value_per_journey)],
    ["Touchpoints", String(model.channels.length)],
    ["Model order", String(model.order)],
  ];
  if (b.mean_time_to_conversion != null) items.push(["Mean time to conversion", days(b.mean_time_to_conversion)]);
  $("#headline").replaceChildren(...items.map(([t, d]) =>
    element("div", {}, element("dt", { text: t }), element("dd", { text: d }))));
}

async function simulate() {
  const body = {
    journeys: Number($("#sim-journeys").value),
    seed: Number($("#sim-seed").value),
  };
  if (state.scenario) body.scenario = state.scenario;
  $("#status").textContent = "simulating";
  $("#simulate").disabled = true;
  try {
    const answer = await api("POST", "/api/simulate", body);
    const interval = (ci, format) => `[${format(ci[0])}, ${format(ci[1])}]`;
    let rows;
    if (answer.scenarios) {
      const s = answer.scenarios[0];
      rows = [
        ["Baseline conversion rate", percent(s.baseline.conversion_rate), interval(s.baseline.conversion_rate_ci, percent)],
        ["Scenario conversion rate", percent(s.scenario.conversion_rate), interval(s.scenario.conversion_rate_ci, percent)],
        ["Change in conversions", signed(plain(s.difference.conversions), s.difference.conversions), interval(s.difference.conversions_ci, plain)],
      ];
    } else {
      rows = [["Conversion rate", percent(answer.conversion_rate), interval(answer.conversion_rate_ci, percent)]];
    }
    $("#simulated tbody").replaceChildren(...rows.map(([label, value, ci]) =>
      element("tr", {}, element("th", { scope: "row", text: label }), element("td", { text: value }), element("td", { text: "95% " + ci }))));
    $("#status").textContent = "simulated";
  } catch (error) {
    say([{ text: error.message, error: true }], "error", state.asked);
  } finally {
    $("#simulate").disabled = false;
  }
}

function addTouchpoint() {
  const name = $("#add-name").value.trim();
  if (!name) {
    say([{ text: "give the new touchpoint a name", error: true }], "error", state.asked);
    return;
  }
  const added = {
    change: "add_touchpoint", name, like: $("#add-like").value,
    incoming_share: Number($("#add-incoming").value) / 100,
    entry_share: Number($("#add-entry").value) / 100,
    conversion_factor: Number($("#add-conversion").value),
  };
  state.added.push(added);
  const drop = element("button", { type: "button", "aria-label": `drop ${name}`, text: "✕" });
  const item = element("li", { text: `${name}, like ${added.like} ` }, drop);
  drop.addEventListener("click", () => {
    state.added.splice(state.added.indexOf(added), 1);
    item.remove();
    changed();
  });
  $("#added").append(item);
  changed();
}

function download() {
  if (!state.scenario) return;
  const blob = new Blob([JSON.stringify(state.scenario, null, 2) + "\n"], { type: "application/json" });
  const link = element("a", { href: URL.createObjectURL(blob), download: "scenario.json" });
  document.body.append(link);
  link.click();
  link.remove();
}

function reset() {
  document.querySelectorAll("#touchpoints input[type=range]").forEach((input) => {
    input.value = input.dataset.kind === "entry" ? input.dataset.initial : 0;
    showSlider(input);
  });
  document.querySelectorAll("#touchpoints input[type=checkbox]").forEach((box) => { box.checked = false; });
  document.querySelectorAll("#spends input").forEach((input) => { input.value = input.dataset.initial; });
  state.added = [];
  $("#added").replaceChildren();
  changed();
}

async function start() {
  try {
    state.model = await api("GET", "/api/model");
  } catch (error) {
    say([{ text: error.message, error: true }], "error", 0);
    return;
  }
  // The report's views carry their own headline figures; alone, the panel shows a short one.
  if (!$("#views").children.length) showHeadline(state.model);
  buildPanel(state.model);
  $("#scenario-name").addEventListener("input", changed);
  $("#add-button").addEventListener("click", addTouchpoint);
  $("#simulate").addEventListener("click", simulate);
  $("#download").addEventListener("click", download);
  $("#reset").addEventListener("click", reset);
  update();
}

start();
