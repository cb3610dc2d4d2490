//! The widget's CSS, as the app embeds it (`OUT_DIR/style.css`): comments
//! and runs of white space dropped, and in a bundle with the booking view
//! alone (no other view feature) without the rules between the
//! `@views-begin` and `@views-end` comments of `src/style.css`.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo::rerun-if-changed=src/style.css");
    let css = fs::read_to_string("src/style.css").expect("reading src/style.css");
    let other_views = ["OVERVIEW", "BUDGET", "COORDINATOR", "SECRETARIAT"]
        .iter()
        .any(|f| env::var_os(format!("CARGO_FEATURE_{f}")).is_some());
    let css = if other_views {
        css
    } else {
        let begin = css.find("/* @views-begin").expect("src/style.css has a @views-begin comment");
        let end = css.find("/* @views-end */").expect("src/style.css has a @views-end comment");
        format!("{}{}", &css[..begin], &css[end..])
    };
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("style.css");
    fs::write(&out, minify(&css)).expect("writing style.css");
}

/// Drops comments and collapses white space; removes it next to `{ } ; , >`
/// (never inside a selector's descendant combinator or a quoted string:
/// the CSS has no such characters inside strings).
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        let end = rest[start..].find("*/").map_or(rest.len(), |e| start + e + 2);
        rest = &rest[end..];
    }
    text.push_str(rest);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::with_capacity(text.len());
    for word in words {
        let glue = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
        if !out.is_empty() && !out.ends_with(glue) && !word.starts_with(glue) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
