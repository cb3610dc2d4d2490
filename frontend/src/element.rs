//! The Rust side of the custom element: reading its attributes and mounting
//! the Leptos app into its shadow root. The element itself is defined by the
//! loader module `static/dk2020-widget.js`.

use dk2020_model::MunicipalityCode;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

use crate::{
    api::{Api, Credential},
    components::problem,
    views,
};

/// The widget's styles, put into every shadow root (host styles cannot reach
/// in): `style.css` minified, without the other views' rules in the booking
/// bundle (see `build.rs`).
pub const STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

/// Which view the `view` attribute asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Booking,
    Overview,
    Budget,
    Coordinator,
    Secretariat,
    /// The manage page of one booking (its key comes from the page's address).
    Manage,
}

impl View {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "booking" => Some(View::Booking),
            "overview" => Some(View::Overview),
            "budget" => Some(View::Budget),
            "coordinator" => Some(View::Coordinator),
            "secretariat" => Some(View::Secretariat),
            "manage" => Some(View::Manage),
            _ => None,
        }
    }

    /// Whether the view needs a bearer token.
    pub fn needs_token(self) -> bool {
        matches!(self, View::Booking | View::Coordinator | View::Secretariat | View::Manage)
    }
}

/// The element's attributes, checked. Problems become a Danish message in
/// the widget instead of a blank element.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub view: View,
    pub municipality: Option<MunicipalityCode>,
    pub api: Api,
}

impl Config {
    pub fn from_attributes(
        view: Option<&str>,
        municipality: Option<&str>,
        api: Option<&str>,
        credential: Credential,
    ) -> Result<Self, String> {
        let view =
            match view.map(str::trim).filter(|v| !v.is_empty()) {
                None => return Err(
                    "Widgetten mangler attributten view (booking, overview, budget, coordinator eller secretariat)."
                        .into(),
                ),
                Some(v) => View::parse(v).ok_or_else(|| {
                    format!("Ukendt visning {v:?}. Brug booking, overview, budget, coordinator eller secretariat.")
                })?,
            };
        let municipality = match municipality.map(str::trim).filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => Some(
                m.parse::<MunicipalityCode>()
                    .map_err(|_| format!("{m:?} er ikke koden på en kommune i Region Midtjylland."))?,
            ),
        };
        if view == View::Booking && municipality.is_none() {
            return Err(
                "Bookingvisningen mangler kommunekoden i attributten municipality, fx municipality=\"779\".".into()
            );
        }
        if view == View::Manage && !matches!(credential, Credential::Token(_)) {
            return Err("Linket mangler sin nøgle. Åbn hele linket fra mailen igen – også delen efter #.".into());
        }
        if view.needs_token() && credential.is_none() {
            return Err(
                "Du er ikke logget ind: widgetten mangler sin nøgle (attributten key) eller et log-in. Log ind på \
                 DK2020-planlæggerens side, eller bed jeres it-afdeling om intranettets nøgle."
                    .into(),
            );
        }
        let api =
            api.map(str::trim).filter(|a| !a.is_empty()).ok_or("Widgetten mangler API-adressen (attributten api).")?;
        Ok(Self { view, municipality, api: Api::new(api, credential) })
    }
}

/// The whole app for one element.
pub fn app(config: Result<Config, String>) -> AnyView {
    let config = match config {
        Ok(c) => c,
        Err(message) => return problem("Widgetten kan ikke vises", message).into_any(),
    };
    // Every view links to the privacy notice (issue 17), beside the API it calls.
    let notice = config.api.url("/privatliv");
    let chosen = chosen_view(config);
    view! {
        {chosen}
        <p class="privacy-link">
            <a href=notice target="_blank" rel="noopener">"Sådan behandler vi personoplysninger"</a>
        </p>
    }
    .into_any()
}

fn chosen_view(config: Config) -> AnyView {
    let api = config.api;
    match (config.view, config.municipality) {
        (View::Booking, Some(m)) => views::booking::view(api, m).into_any(),
        (View::Booking, None) => problem("Widgetten kan ikke vises", "Kommunekoden mangler.".into()).into_any(),
        #[cfg(feature = "overview")]
        (View::Overview, _) => views::overview::view(api).into_any(),
        #[cfg(feature = "budget")]
        (View::Budget, _) => views::budget::view(api).into_any(),
        #[cfg(feature = "coordinator")]
        (View::Coordinator, _) => views::coordinator::view(api).into_any(),
        #[cfg(feature = "secretariat")]
        (View::Secretariat, _) => views::secretariat::view(api).into_any(),
        #[cfg(feature = "manage")]
        (View::Manage, _) => views::manage::view(api).into_any(),
        #[allow(unreachable_patterns)]
        (view, _) => {
            let _ = api;
            problem("Widgetten kan ikke vises", format!("Visningen {view:?} er ikke med i denne udgave af widgetten."))
                .into_any()
        }
    }
}

/// A mounted widget. Dropping it (`free()` from JavaScript) unmounts the app,
/// ends its reactive scope and removes its nodes from the shadow root.
#[wasm_bindgen]
pub struct Mounted {
    handle: Option<Box<dyn std::any::Any>>,
    nodes: Vec<web_sys::Element>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.take();
        for node in &self.nodes {
            node.remove();
        }
    }
}

/// Mounts the view the attributes ask for into `root` (the element's shadow
/// root): a `<style>` with the widget's CSS and a `<div lang="da">` container.
#[wasm_bindgen]
pub fn mount(
    root: ShadowRoot,
    view: Option<String>,
    municipality: Option<String>,
    api: Option<String>,
    token: Option<String>,
    key: Option<String>,
    session: Option<String>,
) -> Result<Mounted, JsValue> {
    let document =
        root.owner_document().or_else(|| web_sys::window().and_then(|w| w.document())).ok_or("no document")?;
    root.set_inner_html("");
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLES));
    let container: HtmlElement = document.create_element("div")?.dyn_into()?;
    container.set_class_name("dk");
    container.set_attribute("lang", "da")?;
    root.append_child(&style)?;
    root.append_child(&container)?;
    // The manage page has its key in its address, not in an attribute.
    #[cfg(feature = "manage")]
    let (api, token) = match view.as_deref().and_then(View::parse) {
        Some(View::Manage) => (api.or_else(views::manage::api_of_page), views::manage::key_of_page()),
        _ => (api, token),
    };
    let credential = Credential::from_attributes(token.as_deref(), key.as_deref(), session.as_deref());
    let config = Config::from_attributes(view.as_deref(), municipality.as_deref(), api.as_deref(), credential);
    let handle = leptos::mount::mount_to(container.clone(), move || app(config));
    Ok(Mounted { handle: Some(Box::new(handle)), nodes: vec![style, container.into()] })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a token, as the tests before keys and sessions called it.
    fn from_attributes(
        view: Option<&str>,
        m: Option<&str>,
        api: Option<&str>,
        token: Option<&str>,
    ) -> Result<Config, String> {
        Config::from_attributes(view, m, api, Credential::from_attributes(token, None, None))
    }

    #[test]
    fn attributes_are_checked_with_danish_messages() {
        let ok = from_attributes(Some("booking"), Some("779"), Some("http://x/"), Some("t")).unwrap();
        assert_eq!(ok.view, View::Booking);
        assert_eq!(ok.municipality.unwrap().get(), 779);
        assert_eq!(ok.api.url("/api/slots"), "http://x/api/slots");
        assert!(
            from_attributes(Some("booking"), None, Some("http://x"), Some("t")).unwrap_err().contains("kommunekoden")
        );
        assert!(from_attributes(Some("booking"), Some("101"), Some("http://x"), Some("t")).is_err());
        assert!(from_attributes(Some("coordinator"), None, Some("http://x"), None).unwrap_err().contains("log-in"));
        assert!(from_attributes(Some("weather"), None, Some("http://x"), None).unwrap_err().contains("Ukendt"));
        assert!(from_attributes(Some("overview"), None, Some("http://x"), None).is_ok());
        assert!(from_attributes(None, None, Some("http://x"), None).is_err());
        assert!(from_attributes(Some("manage"), None, Some("http://x"), None).unwrap_err().contains("nøgle"));
        assert_eq!(from_attributes(Some("manage"), None, Some("http://x"), Some("dkm_k")).unwrap().view, View::Manage);
    }
}
