// dk2020-widget.js: the loader of the DK2020 planner's widget.
//
//   <script type="module" src="https://…/widget/dk2020-widget.js"></script>
//   <dk2020-widget view="booking" municipality="779" api="https://…" token="…"></dk2020-widget>
//
// Defines the custom element <dk2020-widget>. The WebAssembly app is loaded
// once per page, however many widgets there are; each element mounts it into
// its own shadow root (the host page's styles cannot reach in, the widget's
// cannot leak out) and mounts it again when an attribute changes.
//
// Two builds of the app: booking/ holds the booking view alone (what the
// municipalities' intranets embed, kept small); full/ holds every view.

const here = new URL(".", import.meta.url);
const bundles = new Map();

/** Loads and starts a build of the app once; every widget shares it. */
function load(view) {
  const name = view === "booking" ? "booking" : "full";
  if (!bundles.has(name)) {
    const start = async () => {
      const module = await import(new URL(`${name}/dk2020_widget.js`, here).href);
      await module.default({ module_or_path: new URL(`${name}/dk2020_widget_bg.wasm`, here) });
      return module;
    };
    // One quiet retry: a flaky network should not cost the user a reload.
    const retry = () => new Promise((resolve) => setTimeout(resolve, 700)).then(start);
    bundles.set(name, start().catch(retry));
  }
  return bundles.get(name).catch((error) => {
    bundles.delete(name); // try again on the next mount
    throw error;
  });
}

const ATTRIBUTES = ["view", "municipality", "api", "token", "key", "session"];

class Dk2020Widget extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #handle = null;
  #queued = false;
  #generation = 0;

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    this.#generation++;
    this.#unmount();
  }

  attributeChangedCallback(_name, before, after) {
    if (before !== after && this.isConnected) this.#schedule();
  }

  // Several attributes set in a row mount once.
  #schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#mount();
    });
  }

  async #mount() {
    const generation = ++this.#generation;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    if (!this.#handle) {
      root.innerHTML = '<p lang="da" style="all:initial;display:block;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;padding:1rem">Indlæser …</p>';
    }
    let module;
    try {
      module = await load((this.getAttribute("view") ?? "").trim().toLowerCase());
    } catch (error) {
      if (generation !== this.#generation) return;
      root.innerHTML = '<div lang="da" role="alert" style="all:initial;display:block;font:16px/1.5 system-ui,sans-serif;color:#8a1020;background:#fff;border:2px solid #8a1020;padding:1rem">DK2020-widgetten kunne ikke indlæses. Prøv at genindlæse siden.<br><small></small></div>';
      root.querySelector("small").textContent = `Detaljer: ${error}`;
      console.error("dk2020-widget:", error);
      return;
    }
    if (generation !== this.#generation || !this.isConnected) return;
    this.#unmount();
    const attr = (name) => this.getAttribute(name) ?? undefined;
    this.#handle = module.mount(
      root, attr("view"), attr("municipality"), attr("api") ?? here.origin, attr("token"), attr("key"), attr("session"),
    );
  }

  #unmount() {
    if (this.#handle) {
      this.#handle.free();
      this.#handle = null;
    }
  }
}

if (!customElements.get("dk2020-widget")) customElements.define("dk2020-widget", Dk2020Widget);
