//! Downloads made in the browser (a fetched file offered to save) and the
//! clean print window for the A4 overview.

use wasm_bindgen::JsCast;

/// Offers `bytes` as a file download named `filename`.
pub fn save_file(bytes: &[u8], filename: &str, mime: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(filename);
    link.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    body.append_child(&link).map_err(fail)?;
    link.click();
    link.remove();
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// Prints `node` alone on a clean A4 page: a new window with only the
/// widget's styles and a copy of the node. Falls back to printing the page.
pub fn print_clean(node: &web_sys::Element, title: &str) {
    let Some(window) = web_sys::window() else { return };
    let opened = window.open_with_url_and_target("", "_blank").ok().flatten();
    let Some(print_window) = opened else {
        let _ = window.print();
        return;
    };
    let Some(document) = print_window.document() else { return };
    if let Some(html) = document.document_element() {
        let _ = html.set_attribute("lang", "da");
        html.set_inner_html(&format!(
            "<head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head>\
             <body class=\"print-page\"><div class=\"dk printing\" lang=\"da\">{}</div></body>",
            escape(title),
            crate::element::STYLES,
            node.outer_html()
        ));
    }
    let _ = print_window.focus();
    let _ = print_window.print();
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
