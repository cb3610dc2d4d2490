//! A chart as the views draw it: an SVG in a `figure`, with a title and a
//! description for screen readers (`role="img"`, `aria-labelledby`) and a
//! visible caption.

use leptos::prelude::*;

/// What frames a chart; `id` prefixes the title's and description's ids.
pub struct Figure {
    pub class: &'static str,
    pub id: &'static str,
    pub width: f64,
    pub height: f64,
    pub title: &'static str,
    pub description: String,
    pub caption: &'static str,
}

pub fn svg_figure(figure: Figure, body: impl IntoView + 'static) -> impl IntoView {
    let Figure { class, id, width, height, title, description, caption } = figure;
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class=class>
            <svg
                viewBox=format!("0 0 {width} {height}")
                role="img"
                aria-labelledby=labelled_by
                xmlns="http://www.w3.org/2000/svg"
            >
                <title id=title_id>{title}</title>
                <desc id=desc_id>{description}</desc>
                {body}
            </svg>
            <figcaption>{caption}</figcaption>
        </figure>
    }
}
