//! `cargo xtask cdn`: lays the built widget (`target/widget/`, from `cargo
//! xtask widget`) out for the S3 bucket behind CloudFront, in `target/cdn/`:
//!
//! ```text
//! target/cdn/dk2020-widget.js          the entry intranet pages link to; names the release (cached 5 min)
//! target/cdn/r/<release>/…             the loader, booking/ and full/ (never change: cached a year)
//! ```
//!
//! The widget's file names carry no content hash, so the release folder does:
//! `<release>` is a hash of every file in it. The entry is one line,
//! `import "./r/<release>/dk2020-widget.js";`; the loader finds its bundles
//! next to itself (`new URL(".", import.meta.url)`). A page that still has the
//! previous entry keeps loading the previous release, which stays in the
//! bucket, so an upload never breaks a page mid-load. `infra/template.yaml`
//! gives CloudFront the two cache lifetimes (path `r/*` and the rest).
//!
//! The demo intranet page stays local (it is for `cargo xtask serve`).

use std::{
    fs,
    path::{Path, PathBuf},
};

use crate::{run::root, widget};

/// The entry file's name: the loader's, which intranet pages already link to.
pub const ENTRY: &str = "dk2020-widget.js";

/// The manage page of the links in the booking mails: beside the entry (its
/// address is in every mail sent, so it keeps its name, cached for minutes).
pub const MANAGE_PAGE: &str = "manage.html";

pub fn out_dir() -> PathBuf {
    root().join("target/cdn")
}

/// `cargo xtask cdn`.
/// `cargo xtask cdn [--api URL]`: with the API's address (the stack's
/// `ApiUrl`), the manage page names it itself and ignores an `?api=` in its
/// address, so a link to the page cannot point it at another server.
pub fn layout(args: &[String]) -> Result<(), String> {
    let api = match args {
        [] => None,
        [flag, url] if flag == "--api" => Some(checked_api(url)?),
        _ => return Err("usage: cargo xtask cdn [--api https://…/prod]".into()),
    };
    let source = widget::out_dir();
    if !source.join(ENTRY).exists() {
        return Err(format!("{} has no {ENTRY}: run `cargo xtask widget` first", source.display()));
    }
    let out = out_dir();
    let release = layout_into(&source, &out, api.as_deref())?;
    let shown = out.strip_prefix(root()).unwrap_or(&out).display().to_string();
    eprintln!("xtask: widget release {release} laid out in {shown}/:");
    for file in files(&out)? {
        let size = fs::metadata(&file).map_err(|e| e.to_string())?.len();
        eprintln!("xtask:   {size:>10} B  {}", file.strip_prefix(&out).unwrap_or(&file).display());
    }
    eprintln!(
        "xtask: upload it with the commands in infra/README.md (\"The widget\"): release files first, entry last"
    );
    Ok(())
}

/// Copies the widget from `source` into `out` (emptied first) as described
/// above and returns the release name.
/// An `https://` address that can stand in an HTML attribute as it is.
fn checked_api(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let plain = !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '&'));
    if url.len() > "https://".len() && url.starts_with("https://") && plain {
        Ok(url.to_string())
    } else {
        Err(format!("--api {url:?}: give the stack's ApiUrl output, https://… without quotes or spaces"))
    }
}

pub fn layout_into(source: &Path, out: &Path, api: Option<&str>) -> Result<String, String> {
    let stays_out =
        |f: &PathBuf| f.strip_prefix(source).is_ok_and(|r| r.starts_with("demo") || r == Path::new(MANAGE_PAGE));
    let mut release_files: Vec<PathBuf> = files(source)?.into_iter().filter(|f| !stays_out(f)).collect();
    release_files.sort();
    let release = release_name(source, &release_files)?;
    if out.exists() {
        fs::remove_dir_all(out).map_err(|e| format!("removing {}: {e}", out.display()))?;
    }
    let release_dir = out.join("r").join(&release);
    for file in &release_files {
        let relative = file.strip_prefix(source).map_err(|e| e.to_string())?;
        let to = release_dir.join(relative);
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        fs::copy(file, &to).map_err(|e| format!("copying {} to {}: {e}", file.display(), to.display()))?;
    }
    let entry = format!(
        "// The DK2020 planner's widget, release {release}: <script type=\"module\" src=\"…/{ENTRY}\"></script>\n\
         // (this file is cached for minutes; everything under r/{release}/ for a year)\n\
         import \"./r/{release}/{ENTRY}\";\n"
    );
    fs::write(out.join(ENTRY), entry).map_err(|e| format!("writing the entry: {e}"))?;
    // It loads `dk2020-widget.js` beside it: the entry.
    let manage = source.join(MANAGE_PAGE);
    if manage.exists() {
        let mut page = fs::read_to_string(&manage).map_err(|e| format!("reading {}: {e}", manage.display()))?;
        if let Some(api) = api {
            const ELEMENT: &str = "<dk2020-widget view=\"manage\"";
            if !page.contains(ELEMENT) {
                return Err(format!("{} has no {ELEMENT}>", manage.display()));
            }
            page = page.replacen(ELEMENT, &format!("{ELEMENT} api=\"{api}\""), 1);
        }
        fs::write(out.join(MANAGE_PAGE), page).map_err(|e| format!("writing {MANAGE_PAGE}: {e}"))?;
    }
    Ok(release)
}

/// 16 hex digits of a 64-bit FNV-1a hash over the files' paths and contents:
/// the same files give the same name, any change a new one. (A cache key, not
/// a security measure: the bucket is written only by the deployer.)
fn release_name(source: &Path, files: &[PathBuf]) -> Result<String, String> {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    for file in files {
        let relative = file.strip_prefix(source).map_err(|e| e.to_string())?;
        let contents = fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&(contents.len() as u64).to_le_bytes());
        feed(&contents);
    }
    Ok(format!("{hash:016x}"))
}

/// Every file below `dir`, sorted.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).map_err(|e| format!("reading {}: {e}", d.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() { pending.push(path) } else { found.push(path) }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-cdn-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        fs::write(path, text).expect("a file");
    }

    #[test]
    fn releases_are_named_by_content_and_the_entry_imports_the_release() {
        let dir = scratch("layout");
        let (source, out) = (dir.join("widget"), dir.join("cdn"));
        write(&source.join(ENTRY), "const here = new URL(\".\", import.meta.url);\n");
        write(&source.join("booking/dk2020_widget.js"), "export default 1;\n");
        write(&source.join("booking/dk2020_widget_bg.wasm"), "\0asm");
        write(&source.join("full/dk2020_widget.js"), "export default 2;\n");
        write(&source.join("demo/intranet.html"), "<!doctype html>");
        let page = "<script type=\"module\" src=\"dk2020-widget.js\"></script><dk2020-widget view=\"manage\">";
        write(&source.join(MANAGE_PAGE), page);

        let first = layout_into(&source, &out, None).expect("a layout");
        assert_eq!(first.len(), 16);
        let entry = fs::read_to_string(out.join(ENTRY)).expect("the entry");
        assert!(entry.contains(&format!("import \"./r/{first}/{ENTRY}\";")), "{entry}");
        let release = out.join("r").join(&first);
        for file in [ENTRY, "booking/dk2020_widget.js", "booking/dk2020_widget_bg.wasm", "full/dk2020_widget.js"] {
            assert_eq!(fs::read(release.join(file)).ok(), fs::read(source.join(file)).ok(), "{file}");
        }
        assert!(!release.join("demo").exists() && !out.join("demo").exists(), "the demo page stays local");
        assert_eq!(fs::read(out.join(MANAGE_PAGE)).ok(), fs::read(source.join(MANAGE_PAGE)).ok(), "beside the entry");
        assert!(!release.join(MANAGE_PAGE).exists());
        // With the API's address, the page names it (and the release is the same).
        assert_eq!(layout_into(&source, &out, Some("https://api.example/prod")).expect("a layout"), first);
        let page = fs::read_to_string(out.join(MANAGE_PAGE)).unwrap();
        assert!(page.contains("<dk2020-widget view=\"manage\" api=\"https://api.example/prod\">"), "{page}");
        assert!(checked_api("https://x/\"><script>").is_err() && checked_api("http://x").is_err());

        // The same files: the same release; a change: a new one, and only the new one is laid out.
        assert_eq!(layout_into(&source, &out, None).expect("a layout"), first);
        write(&source.join("booking/dk2020_widget_bg.wasm"), "\0asm\x01");
        let second = layout_into(&source, &out, None).expect("a layout");
        assert_ne!(second, first);
        assert!(!out.join("r").join(&first).exists() && out.join("r").join(&second).join(ENTRY).exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
