//! Browser tests of the widget: headless Chromium through WebDriver against
//! `dk2020-api serve` with the built widget. Each test saves screenshots under
//! `target/browser-artifacts/` and runs axe-core on every view it shows.
//! Without Chromium, ChromeDriver, axe-core or the built widget the tests
//! skip with a message, unless `DK2020_BROWSER_TESTS=1` (`cargo xtask test`).

use dk2020_e2e::{
    RANDERS, SKIVE,
    browser::{Browser, Site, Tools, Turn, take_turn},
    coordinator_token,
    ics_server::{Answer, IcsServer},
    municipality_token, secretariat_token,
};
use serde_json::{Value, json};

const BOOKING: &str = "#booking";
const OVERVIEW: &str = "#overview";
const WIDGET: &str = "dk2020-widget";

fn setup(test: &str) -> Option<(Tools, Turn, Site, Browser)> {
    let tools = Tools::find(test)?;
    let turn = take_turn();
    let site = Site::start(&tools);
    let browser = Browser::start(&tools, test);
    Some((tools, turn, site, browser))
}

/// `1.234.567 kr.` as the widget shows amounts.
fn kroner(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} kr.")
}

fn assert_accessible(browser: &mut Browser, tools: &Tools, host: &str, what: &str) {
    let violations = browser.axe_violations(tools, host);
    assert!(violations.is_empty(), "axe-core found WCAG 2.1 A/AA violations in {what}:\n{}", violations.join("\n"));
}

/// "Gem arbejdstider og regler", and the notice that they are saved.
fn save_availability(browser: &mut Browser) {
    browser.click(WIDGET, "form.availability button[type=submit]");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('er gemt');",
        "saved settings",
    );
}

fn text(browser: &mut Browser, host: &str) -> String {
    browser.in_widget(host, "return root.textContent;").as_str().unwrap_or_default().to_string()
}

#[test]
fn booking_on_the_demo_intranet_page_with_its_key_books_lists_and_cancels_and_staff_get_the_ics() {
    let Some((tools, _turn, site, mut browser)) = setup("booking") else { return };
    let token = municipality_token(SKIVE);
    browser.goto(&site.url("/demo/intranet.html"));
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "open slots");

    // The host page's hostile CSS does not reach the widget.
    let style = browser.in_widget(
        BOOKING,
        "const b = getComputedStyle(root.querySelector('button.slot'));
         const h = getComputedStyle(root.querySelector('h2'));
         return {display: b.display, font: b.fontFamily, color: h.color, transform: h.textTransform,
                 lang: root.querySelector('.dk').getAttribute('lang')};",
    );
    assert_ne!(style["display"], "none", "{style}");
    assert!(!style["font"].as_str().unwrap_or_default().contains("Comic"), "{style}");
    assert_ne!(style["color"], "rgb(255, 0, 0)", "{style}");
    assert_eq!(style["transform"], "none", "{style}");
    assert_eq!(style["lang"], "da");
    assert_accessible(&mut browser, &tools, BOOKING, "the booking view");
    assert_accessible(&mut browser, &tools, OVERVIEW, "the overview beside it");

    // The slot picker works from the keyboard, with a visible focus ring.
    browser.in_widget(BOOKING, "root.querySelector('button.slot').focus(); return true;");
    browser.press("\u{E007}");
    let start = browser.wait_in_widget(
        BOOKING,
        "const b = root.querySelector('button.slot[aria-pressed=true]'); return b && root.querySelector('form.book-form') && b.dataset.start;",
        "the chosen slot and the form",
    );
    let start = start.as_str().unwrap().to_string();
    let outline = browser.in_widget(BOOKING, "return getComputedStyle(root.activeElement).outlineStyle;");
    assert_eq!(outline, "solid", "the focused slot shows a focus ring");

    // Empty fields: messages tied to the fields, focus on the first.
    browser.click(BOOKING, "form.book-form button[type=submit]");
    let error =
        browser.wait_in_widget(BOOKING, "return root.querySelector('#topic-error').textContent;", "field errors");
    assert_eq!(error, "Skal udfyldes.");
    let field = browser.in_widget(
        BOOKING,
        "const i = root.querySelector('#topic');
         return [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby'), root.activeElement && root.activeElement.id];",
    );
    assert_eq!(field, json!(["true", "topic-error", "topic"]));
    assert_accessible(&mut browser, &tools, BOOKING, "the booking form with errors");

    // A bad e-mail address is refused by the model's own check.
    browser.type_into(BOOKING, "#topic", "Transport i klimahandleplanen");
    browser.type_into(BOOKING, "#contact-name", "Karen Klima");
    browser.type_into(BOOKING, "#contact-email", "karen@skive");
    browser.click(BOOKING, "form.book-form button[type=submit]");
    let error = browser.wait_in_widget(
        BOOKING,
        "return root.querySelector('#contact-email-error').textContent;",
        "e-mail error",
    );
    assert!(error.as_str().unwrap().contains("gyldig e-mailadresse"), "{error}");
    assert_eq!(browser.in_widget(BOOKING, "return root.querySelector('#topic-error').textContent;"), "");

    browser.type_into(BOOKING, "#contact-email", "karen.klima@skive.dk");
    browser.click(BOOKING, "form.book-form button[type=submit]");
    let confirmed = browser.wait_in_widget(
        BOOKING,
        "const c = root.querySelector('.confirmation'); return c && c.textContent;",
        "the confirmation",
    );
    assert!(confirmed.as_str().unwrap().contains("Transport i klimahandleplanen"), "{confirmed}");
    let notice = text(&mut browser, BOOKING);
    assert!(notice.contains("Sessionen er booket"), "{notice}");
    browser.wait_in_widget(
        BOOKING,
        "return root.querySelectorAll('.booking-item').length === 1;",
        "the booking listed",
    );

    let listed = site.api_get("/api/bookings", Some(&token));
    let bookings = listed["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 1, "{listed}");
    assert_eq!(bookings[0]["start"], start.as_str());
    assert_eq!(bookings[0]["contact_email"], "karen.klima@skive.dk");
    assert_eq!(bookings[0]["status"]["state"], "confirmed");
    browser.screenshot("booked");
    assert_accessible(&mut browser, &tools, BOOKING, "the booking view with a booking");

    // The intranet's key opens booking, listing and cancelling only: no .ics
    // download and no moving there (the invitation comes by mail).
    let extra =
        browser.in_widget(BOOKING, "return root.querySelector('.booking-item button.ics, .booking-item button.move');");
    assert!(extra.is_null(), "the key's page offers only what the key opens");

    // Signed in on the planner's own page, Skive's staff fetch the .ics: offered as a file.
    browser.open_as(&site, "779", "booking");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.booking-item button.ics');", "the .ics button");
    browser.execute(
        "window.__downloads = [];
         const click = HTMLAnchorElement.prototype.click;
         HTMLAnchorElement.prototype.click = function () {
           if (this.download) { window.__downloads.push({name: this.download, href: this.href}); return; }
           return click.call(this);
         };
         return true;",
        json!([]),
    );
    browser.click(WIDGET, ".booking-item button.ics");
    let started = std::time::Instant::now();
    let download = loop {
        let d = browser.execute("return window.__downloads[0] || null;", json!([]));
        if !d.is_null() {
            break d;
        }
        assert!(started.elapsed() < dk2020_e2e::browser::WAIT, "no .ics download was offered");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(download["name"].as_str().unwrap().ends_with(".ics"), "{download}");
    let ics = browser.execute_async(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done('failed: ' + e));",
        json!([download["href"]]),
    );
    let ics = ics.as_str().unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("BEGIN:VEVENT"), "{ics}");

    // Cancel with a reason, on the intranet page again.
    browser.goto(&site.url("/demo/intranet.html"));
    browser.wait_in_widget(BOOKING, "return root.querySelector('.booking-item button.cancel');", "the booking");
    browser.click(BOOKING, ".booking-item button.cancel");
    browser.wait_in_widget(BOOKING, "return root.querySelector('.cancel-box input');", "the cancel box");
    browser.type_into(BOOKING, ".cancel-box input", "Vi er forhindret");
    browser.click(BOOKING, ".cancel-box button.confirm-cancel");
    browser.wait_in_widget(BOOKING, "return root.querySelector('.booking-item.cancelled');", "the cancelled booking");
    assert!(text(&mut browser, BOOKING).contains("er aflyst"));
    let listed = site.api_get("/api/bookings", Some(&token));
    assert_eq!(listed["bookings"][0]["status"]["state"], "cancelled", "{listed}");
    assert_eq!(listed["bookings"][0]["status"]["reason"], "Vi er forhindret", "{listed}");
    browser.screenshot("cancelled");
}

#[test]
fn a_slot_taken_meanwhile_gives_a_clear_message_and_fresh_slots() {
    let Some((tools, _turn, site, mut browser)) = setup("slot-taken") else { return };
    browser.goto(&site.url("/demo/intranet.html"));
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "open slots");
    browser.click(BOOKING, "button.slot");
    let start = browser.wait_in_widget(
        BOOKING,
        "const b = root.querySelector('button.slot[aria-pressed=true]'); return b && b.dataset.start;",
        "the chosen slot",
    );
    let start = start.as_str().unwrap().to_string();

    // Randers books an online session at that time first.
    let randers = municipality_token(RANDERS);
    let day = &start[..10];
    let slots =
        site.api_get(&format!("/api/slots?municipality={RANDERS}&kind=online&from={day}&to={day}"), Some(&randers));
    let clash = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"].as_str() == Some(start.as_str()))
        .unwrap_or_else(|| panic!("Randers has no online slot at {start}: {slots}"))
        .clone();
    let (status, body) = site.api_post(
        "/api/bookings",
        &randers,
        &json!({"municipality": RANDERS, "kind": "online", "start": clash["start"], "topic": "Energi",
                "contact_name": "Rasmus", "contact_email": "rasmus@randers.dk"}),
    );
    assert_eq!(status, 201, "{body}");

    browser.type_into(BOOKING, "#topic", "Affald");
    browser.type_into(BOOKING, "#contact-name", "Karen Klima");
    browser.type_into(BOOKING, "#contact-email", "karen@skive.dk");
    browser.click(BOOKING, "form.book-form button[type=submit]");
    let message = browser.wait_in_widget(
        BOOKING,
        "const n = root.querySelector('.notice.error'); return n && n.textContent;",
        "the slot-taken message",
    );
    assert!(message.as_str().unwrap().contains("netop booket af en anden kommune"), "{message}");
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "refreshed slots");
    let offered = browser.execute(
        "const root = document.querySelector(arguments[0]).shadowRoot; return Array.from(root.querySelectorAll('button.slot')).some(b => b.dataset.start === arguments[1]);",
        json!([BOOKING, start]),
    );
    assert_eq!(offered, Value::Bool(false), "the taken time is no longer offered");
    assert!(browser.in_widget(BOOKING, "return root.querySelector('form.book-form') === null;").as_bool().unwrap());
    assert_accessible(&mut browser, &tools, BOOKING, "the booking view after a conflict");
    browser.screenshot("slot-taken");
}

#[test]
fn a_municipality_at_its_cap_is_told_why_no_slots_are_offered() {
    let Some((tools, _turn, site, mut browser)) = setup("cap") else { return };
    let token = municipality_token(SKIVE);
    for day in ["2026-12-03", "2026-12-04"] {
        let slots =
            site.api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from={day}&to={day}"), Some(&token));
        let (status, body) = site.api_post(
            "/api/bookings",
            &token,
            &json!({"municipality": SKIVE, "kind": "online", "start": slots["slots"][0]["start"], "topic": "Mobilitet",
                    "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
        );
        assert_eq!(status, 201, "{body}");
    }
    browser.open_as(&site, "779", "booking");
    let info = browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.info'); return n && n.textContent;",
        "the cap message",
    );
    assert!(info.as_str().unwrap().contains("største antal kommende sessioner"), "{info}");
    browser.wait_in_widget(WIDGET, "return root.querySelectorAll('.booking-item').length === 2;", "the two bookings");
    assert_accessible(&mut browser, &tools, WIDGET, "the booking view at the cap");
    browser.screenshot_widget(WIDGET, "cap");
}

#[test]
fn the_overview_shows_the_seeded_enrolment_state() {
    let Some((tools, _turn, site, mut browser)) = setup("overview") else { return };
    browser.goto(&site.url("/?view=overview"));
    browser.wait_in_widget(WIDGET, "return root.querySelectorAll('table.data tbody tr').length === 19;", "19 rows");
    let shown = text(&mut browser, WIDGET);
    assert!(shown.contains("4 kommuner · 462.539 indbyggere"), "{shown}");
    let pilot = browser.in_widget(
        WIDGET,
        "return Array.from(root.querySelectorAll('.card')).find(c => c.textContent.includes('pilotfasen')).textContent;",
    );
    for name in ["Aarhus", "Lemvig", "Randers", "Samsø"] {
        assert!(pilot.as_str().unwrap().contains(name), "{pilot}");
    }
    assert!(shown.contains("Opgjort pr. 30. november 2026"), "{shown}");
    let chart = browser.in_widget(
        WIDGET,
        "const s = root.querySelector('svg[role=img]'); return s && s.querySelectorAll('rect').length;",
    );
    assert!(chart.as_u64().unwrap() >= 6, "{chart}");
    let map = browser.in_widget(
        WIDGET,
        "const m = root.querySelector('.map svg'); return m && [m.querySelectorAll('rect').length, m.querySelector('desc').textContent];",
    );
    assert_eq!(map[0], 19, "one tile a municipality: {map}");
    assert!(
        map[1].as_str().unwrap().contains("Aarhus: Pilot") && map[1].as_str().unwrap().contains("Skive: Ikke afklaret"),
        "{map}"
    );
    let links = browser.in_widget(WIDGET, "return Array.from(root.querySelectorAll('a[download]')).map(a => a.href);");
    let links = links.as_array().unwrap();
    assert!(links.iter().any(|l| l.as_str().unwrap().ends_with("/api/enrolment?format=csv")), "{links:?}");
    assert!(links.iter().any(|l| l.as_str().unwrap().ends_with("/api/enrolment?format=xlsx")), "{links:?}");
    let csv = site.client.get(links[0].as_str().unwrap()).send().unwrap();
    assert!(csv.status().is_success());
    assert_accessible(&mut browser, &tools, WIDGET, "the overview");
    browser.screenshot_widget(WIDGET, "overview");
    // KKR's meeting of 13 November 2020 as a preset: the state of that day, named.
    browser.click(WIDGET, ".presets button:last-child");
    let at_meeting = browser.wait_in_widget(
        WIDGET,
        "const p = root.querySelector('p.as-of'); return p && p.textContent.includes('13. november 2020') && p.textContent;",
        "the overview as of KKR's meeting",
    );
    assert!(at_meeting.as_str().unwrap().contains("(KKR Midtjyllands møde)"), "{at_meeting}");
    let pressed = browser
        .in_widget(WIDGET, "return root.querySelector('.presets button:last-child').getAttribute('aria-pressed');");
    assert_eq!(pressed, json!("true"));

    // "Udskriv (A4)" opens the overview alone in a print window.
    let before = browser.window_handles();
    // Headless Chromium would hold the print dialog open: record the call instead.
    browser.execute(
        "const open = window.open;
         window.open = (...args) => { const w = open.apply(window, args); if (w) w.print = () => { window.__printed = true; }; return w; };
         return true;",
        json!([]),
    );
    browser.click(WIDGET, ".toolbar button.print");
    let started = std::time::Instant::now();
    let print_window = loop {
        if let Some(h) = browser.window_handles().into_iter().find(|h| !before.contains(h)) {
            break h;
        }
        assert!(started.elapsed() < dk2020_e2e::browser::WAIT, "no print window opened");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    browser.switch_to_window(&print_window);
    let page = browser.execute(
        "return {lang: document.documentElement.lang, text: document.body.textContent,
                 buttons: Array.from(document.querySelectorAll('button')).filter(b => getComputedStyle(b).display !== 'none').length};",
        json!([]),
    );
    assert_eq!(page["lang"], "da");
    assert!(page["text"].as_str().unwrap().contains("Med fra pilotfasen"), "{page}");
    assert!(page["text"].as_str().unwrap().contains("KKR Midtjyllands møde"), "the page names the meeting: {page}");
    assert!(!page["text"].as_str().unwrap().contains("Log-in-links"), "the host page is not printed");
    let pdf = browser.print_pdf("print");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    browser.switch_to_window(&before[0]);
    assert_eq!(
        browser.execute("return window.__printed === true;", json!([])),
        Value::Bool(true),
        "print() was called"
    );
}

#[test]
fn the_budget_views_totals_equal_the_apis() {
    let Some((tools, _turn, site, mut browser)) = setup("budget") else { return };
    browser.goto(&site.url("/?view=budget"));
    browser.wait_in_widget(WIDGET, "return root.querySelector('.grand-total');", "the table");
    let api = site.api_get("/api/budget/allocation", None);
    let total = browser.in_widget(WIDGET, "return root.querySelector('.grand-total').textContent;");
    assert_eq!(total, kroner(api["totals"]["total"].as_u64().unwrap()).as_str());
    assert_accessible(&mut browser, &tools, WIDGET, "the budget view");

    // Hybrid key with 20 % split equally, Samsø opting out.
    browser.click(WIDGET, "input[value=hybrid]");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#percent');", "the percent field");
    browser.type_into(WIDGET, "#percent", "20");
    browser.press("\u{E004}");
    browser.click(WIDGET, "input[type=checkbox][value='741']");
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelectorAll('table.plan tbody tr').length === 18 && !root.querySelector('.loading');",
        "18 participants",
    );
    let api = site.api_get(
        "/api/budget/allocation?total=3000000&years=3&key=hybrid&equal_percent=20&frame_per_year=0&exclude=741",
        None,
    );
    let shown = browser.in_widget(
        WIDGET,
        "return Array.from(root.querySelectorAll('table.plan tbody tr')).map(r => [r.dataset.code, r.lastElementChild.textContent]);",
    );
    let rows = api["rows"].as_array().unwrap();
    assert_eq!(shown.as_array().unwrap().len(), rows.len());
    for (row, cells) in rows.iter().zip(shown.as_array().unwrap()) {
        assert_eq!(cells[0], row["code"].to_string().as_str());
        assert_eq!(cells[1], kroner(row["total"].as_u64().unwrap()).as_str(), "{row}");
    }
    let total = browser.in_widget(WIDGET, "return root.querySelector('.grand-total').textContent;");
    assert_eq!(total, kroner(api["totals"]["total"].as_u64().unwrap()).as_str());
    let csv = browser.in_widget(WIDGET, "return root.querySelector('a[href*=\"format=csv\"]').href;");
    assert!(csv.as_str().unwrap().contains("key=hybrid&equal_percent=20"), "{csv}");
    assert_accessible(&mut browser, &tools, WIDGET, "the budget view with a scenario");
    browser.screenshot_widget(WIDGET, "budget");
}

#[test]
fn the_secretariat_changes_a_status_and_the_overview_reflects_it() {
    let Some((tools, _turn, site, mut browser)) = setup("secretariat") else { return };
    browser.open_as(&site, "secretariat", "secretariat");
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelector('#status-municipality') && root.querySelector('table.populations');",
        "the forms",
    );
    assert_accessible(&mut browser, &tools, WIDGET, "the secretariat view");
    let set = |browser: &mut Browser, css: &str, value: &str| {
        browser.execute(
            "const el = document.querySelector(arguments[0]).shadowRoot.querySelector(arguments[1]);
             el.value = arguments[2]; el.dispatchEvent(new Event('change')); return el.value;",
            json!([WIDGET, css, value]),
        )
    };
    assert_eq!(set(&mut browser, "#status-municipality", "779"), "779");
    assert_eq!(set(&mut browser, "#status-kind", "enrolled"), "enrolled");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#status-decided');", "the decision date");
    set(&mut browser, "#status-round", "1");
    set(&mut browser, "#status-decided", "2020-10-20");
    browser.type_into(WIDGET, "#status-note", "Byrådet 20. oktober");
    browser.click(WIDGET, "form.status-form button[type=submit]");
    browser.wait_in_widget(
        WIDGET,
        "const h = root.querySelector('.history'); return h && h.textContent.includes('Tilmeldt runde 1') && h.textContent.includes('Byrådet 20. oktober');",
        "the history",
    );
    assert!(text(&mut browser, WIDGET).contains("Skive Kommune har nu status: Tilmeldt runde 1"));
    let overview = site.api_get("/api/enrolment", None);
    let skive = overview["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == SKIVE).unwrap().clone();
    assert_eq!((skive["status"].as_str(), skive["round"].as_u64()), (Some("enrolled"), Some(1)));

    // Populations.
    browser.type_into(WIDGET, "#pop-779", "48000");
    set(&mut browser, "#pop-date-779", "2026-01-01");
    browser.click(WIDGET, "tr[data-code='779'] button");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('48.000 indbyggere');",
        "saved population",
    );
    let list = site.api_get("/api/municipalities", None);
    let skive = list["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == SKIVE).unwrap().clone();
    assert_eq!(skive["population"], 48000);

    // Round 2's deadline, until now only expected ("forventet oktober 2021"), is set.
    set(&mut browser, "#round-2-deadline", "2021-10-29");
    browser.click(WIDGET, "#round-2-expected");
    browser.click(WIDGET, "form.rounds button[type=submit]");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('Ansøgningsrunderne er gemt');",
        "saved rounds",
    );
    let rounds = site.api_get("/api/enrolment/rounds", None);
    assert_eq!(rounds["rounds"][1]["deadline"], "2021-10-29", "{rounds}");
    assert_eq!(rounds["rounds"][1]["deadline_expected"], false, "{rounds}");
    // The visits report, as the steering group reads it.
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelectorAll('.visits-table tbody tr').length === 19;",
        "the visits report",
    );
    // …and its map of the region, a tile a municipality with its sessions on it.
    let tiles = browser.in_widget(
        WIDGET,
        "return Array.from(root.querySelectorAll('#visits-map-title')).length === 1 ? root.querySelector('#visits-map-title').closest('svg').querySelectorAll('rect').length : 0;",
    );
    assert_eq!(tiles, 19, "the visits map");
    assert!(text(&mut browser, WIDGET).contains("0 sessioner"), "the sessions are written on the tiles");
    assert_accessible(&mut browser, &tools, WIDGET, "the secretariat view after changes");
    browser.screenshot_widget(WIDGET, "secretariat");

    browser.goto(&site.url("/?view=overview"));
    let round = browser.wait_in_widget(
        WIDGET,
        "const c = Array.from(root.querySelectorAll('.card')).find(c => c.textContent.includes('Runde 1')); return c && c.textContent;",
        "the round 1 card",
    );
    assert!(round.as_str().unwrap().contains("Skive"), "{round}");
    assert!(round.as_str().unwrap().contains("1 tilmeldt"), "{round}");
    assert!(text(&mut browser, WIDGET).contains("Runde 2 · ansøgningsfrist 29. oktober 2021"), "the firm date");
    browser.screenshot_widget(WIDGET, "overview-after-change");
}

#[test]
fn the_coordinator_sees_the_agenda_with_driving_cancels_and_edits_availability() {
    let Some((tools, _turn, site, mut browser)) = setup("coordinator") else { return };
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=onsite&from=2026-12-02&to=2026-12-04"), Some(&skive));
    let start = slots["slots"][0]["start"].clone();
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "onsite", "start": start, "topic": "Varmeplan",
                "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");

    let token = coordinator_token();
    browser.open_as(&site, "coordinator", "coordinator");
    let day = browser.wait_in_widget(
        WIDGET,
        "const d = root.querySelector('.agenda-day'); return d && d.textContent;",
        "the agenda",
    );
    let day = day.as_str().unwrap();
    assert!(day.contains("Skive Kommune") && day.contains("Varmeplan"), "{day}");
    assert!(day.contains("Kørsel fra kontoret i Aarhus til Skive Rådhus kl. "), "with the times she drives: {day}");
    assert!(day.contains("Køretid i alt"), "{day}");
    // A feed address of her own for her phone: shown once, read-only, no token in it.
    browser.type_into(WIDGET, "#feed-label", "Telefonen");
    browser.click(WIDGET, "form.add-feed button[type=submit]");
    let feed = browser.wait_in_widget(
        WIDGET,
        "const f = root.querySelector('#feed-url'); return f && f.value;",
        "the feed link",
    );
    let feed = feed.as_str().unwrap().to_string();
    assert!(feed.contains("/api/calendar/dkf_") && !feed.contains(&token), "{feed}");
    let ics = browser.execute_async(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done('failed: ' + e));",
        json!([feed]),
    );
    assert!(ics.as_str().unwrap().contains("Skive"), "the feed holds the visit: {ics}");
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelector('#rule-cap_per_municipality');",
        "the availability editor",
    );
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelectorAll('.visits-table tbody tr').length === 19 && root.querySelector('.visits svg[role=img]');",
        "the visits report with its chart",
    );
    let visits = browser.in_widget(WIDGET, "return root.querySelector('.visits').textContent;");
    assert!(visits.as_str().unwrap().contains("Vest: 0 sessioner"), "nothing held yet by 30 November: {visits}");
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view");
    browser.screenshot_widget(WIDGET, "coordinator");

    browser.click(WIDGET, ".session .actions button.danger");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.cancel-box input');", "the reason field");
    browser.type_into(WIDGET, ".cancel-box input", "Koordinatoren er syg");
    browser.click(WIDGET, ".cancel-box button.danger");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('er aflyst');",
        "the cancellation",
    );
    let id = booking["id"].as_str().unwrap();
    let all = site.api_get("/api/bookings", Some(&token));
    let cancelled = all["bookings"].as_array().unwrap().iter().find(|b| b["id"] == id).unwrap().clone();
    assert_eq!(cancelled["status"]["state"], "cancelled");
    assert_eq!(cancelled["status"]["reason"], "Koordinatoren er syg");

    browser.type_into(WIDGET, "#rule-cap_per_municipality", "3");
    browser.press("\u{E004}");
    save_availability(&mut browser);
    let settings = site.api_get("/api/coordinator/availability", Some(&token));
    assert_eq!(settings["rules"]["cap_per_municipality"], 3);
}

#[test]
fn widgets_mount_side_by_side_remount_on_attribute_changes_and_report_problems() {
    let Some((tools, _turn, site, mut browser)) = setup("embedding") else { return };
    browser.goto(&site.url("/demo/intranet.html"));
    browser.wait_in_widget(BOOKING, "return root.querySelector('button.slot');", "the booking widget");
    browser.wait_in_widget(OVERVIEW, "return root.querySelector('table.data');", "the overview widget");
    browser.screenshot("demo-page");

    // An attribute change mounts the other view in the same element.
    browser.execute("document.querySelector('#overview').setAttribute('view', 'budget'); return true;", json!([]));
    browser.wait_in_widget(OVERVIEW, "return root.querySelector('#budget-title') && !root.querySelector('#overview-title') && root.querySelectorAll('.dk').length === 1;", "the budget view");

    // An API that is down, an unknown view and a missing token: messages, not blank widgets.
    browser.execute(
        "for (const [id, view, api] of [['down', 'overview', 'http://127.0.0.1:9'], ['odd', 'weather', location.origin], ['anon', 'coordinator', location.origin]]) {
           const el = document.createElement('dk2020-widget');
           el.id = id; el.setAttribute('view', view); el.setAttribute('api', api);
           document.querySelector('main').append(el);
         }
         return true;",
        json!([]),
    );
    let down = browser.wait_in_widget(
        "#down",
        "const n = root.querySelector('.notice.error'); return n && n.textContent;",
        "the down message",
    );
    assert!(down.as_str().unwrap().contains("kan ikke nås"), "{down}");
    let odd = browser.wait_in_widget(
        "#odd",
        "const n = root.querySelector('.notice.error'); return n && n.textContent;",
        "the unknown view",
    );
    assert!(odd.as_str().unwrap().contains("Ukendt visning"), "{odd}");
    let anon = browser.wait_in_widget(
        "#anon",
        "const n = root.querySelector('.notice.error'); return n && n.textContent;",
        "the missing token",
    );
    assert!(anon.as_str().unwrap().contains("ikke logget ind"), "{anon}");
    assert_accessible(&mut browser, &tools, "#down", "the API-down message");

    // axe-core does look inside the shadow roots: a planted image without alt text is caught.
    browser.in_widget("#down", "const img = document.createElement('img'); img.id = 'planted'; img.src = 'data:,'; root.querySelector('.dk').append(img); return true;");
    let caught = browser.axe_violations(&tools, "#down");
    assert!(caught.iter().any(|v| v.starts_with("image-alt")), "axe missed the planted violation: {caught:?}");
    browser.in_widget("#down", "root.querySelector('#planted').remove(); return true;");

    // Removing an element unmounts its app; the others keep working.
    browser.execute("document.querySelector('#booking').remove(); return true;", json!([]));
    browser.click(OVERVIEW, "input[value=hybrid]");
    browser.wait_in_widget(OVERVIEW, "return root.querySelector('#percent');", "a working budget widget");
    browser.screenshot("embedding");
}

#[test]
fn script_and_html_in_a_topic_show_as_literal_text_in_the_agenda_and_the_booking_list() {
    let Some((_tools, _turn, site, mut browser)) = setup("xss") else { return };
    let topic = r#"<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>fed</b>"#;
    let contact = r#"<img src=y onerror="window.__xss=3">Karen"#;
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-04"), Some(&skive));
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": slots["slots"][0]["start"], "topic": topic,
                "contact_name": contact, "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["topic"], topic, "stored verbatim");

    // The markup is text: in the text content as typed, and no element of it exists.
    let check = "const scope = arguments[0] ? root.querySelector(arguments[0]) : root;
         return scope && {text: scope.textContent, img: scope.querySelectorAll('img').length,
                 script: scope.querySelectorAll('script').length, b: scope.querySelectorAll('b').length,
                 xss: window.__xss === undefined ? null : window.__xss};";
    browser.open_as(&site, "coordinator", "coordinator");
    browser.wait_in_widget(
        WIDGET,
        "const d = root.querySelector('.agenda-day'); return d && d.textContent.includes('onerror');",
        "the agenda with the booking",
    );
    let agenda = browser.execute(
        &format!("const root = document.querySelector(arguments[1]).shadowRoot;\n{check}"),
        json!([".agenda-day", WIDGET]),
    );
    assert!(agenda["text"].as_str().unwrap_or_default().contains(topic), "the topic as literal text: {agenda}");
    assert_eq!((&agenda["img"], &agenda["script"], &agenda["b"]), (&json!(0), &json!(0), &json!(0)), "{agenda}");
    browser.screenshot_widget(WIDGET, "agenda");

    browser.open_as(&site, "779", "booking");
    browser.wait_in_widget(
        WIDGET,
        "const i = root.querySelector('.booking-item'); return i && i.textContent.includes('onerror');",
        "the booking listed",
    );
    let list = browser.execute(
        &format!("const root = document.querySelector(arguments[1]).shadowRoot;\n{check}"),
        json!([".booking-item", WIDGET]),
    );
    assert!(list["text"].as_str().unwrap_or_default().contains(topic), "the topic as literal text: {list}");
    assert_eq!((&list["img"], &list["script"], &list["b"]), (&json!(0), &json!(0), &json!(0)), "{list}");
    // No onerror handler ran, on either page.
    assert_eq!(list["xss"], Value::Null, "an injected handler ran: {list}");
    assert_eq!(agenda["xss"], Value::Null, "an injected handler ran: {agenda}");
    browser.screenshot_widget(WIDGET, "booking-list");
}

#[test]
fn the_coordinator_sees_a_mail_that_could_not_be_sent_and_sends_it_again() {
    let Some(tools) = dk2020_e2e::browser::Tools::find("failed-mail") else { return };
    let _turn = take_turn();
    // Nobody answers at the mail server, and the first failed attempt is the last.
    let nobody = format!("smtp://127.0.0.1:{}", dk2020_e2e::free_port());
    let site = Site::start_with_env(&tools, &[("DK2020_SMTP_URL", &nobody), ("DK2020_MAIL_ATTEMPTS", "1")]);
    let mut browser = Browser::start(&tools, "failed-mail");
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-04"), Some(&skive));
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": slots["slots"][0]["start"], "topic": "Varmeplan",
                "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");
    let token = coordinator_token();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while site.api_get("/api/coordinator/outbox", Some(&token))["mails"].as_array().map_or(0, Vec::len) < 2 {
        assert!(std::time::Instant::now() < deadline, "the booking's two mails failed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    browser.open_as(&site, "coordinator", "coordinator");
    let list = browser.wait_in_widget(
        WIDGET,
        "const l = root.querySelectorAll('.failed-mails li'); return l.length === 2 && root.querySelector('.failed-mails').textContent;",
        "the two failed mails",
    );
    let list = list.as_str().unwrap();
    assert!(list.contains("Bekræftelse af sessionen") && list.contains("Skive Kommune"), "{list}");
    assert!(list.contains("Til kontaktpersonen (karen@skive.dk)"), "to whom: {list}");
    assert!(list.contains("Til dig (koordinatorens kopi)"), "{list}");
    assert!(list.contains("Årsag:"), "the reason: {list}");
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view with failed mails");
    browser.screenshot_widget(WIDGET, "failed-mails");

    browser.click(WIDGET, ".failed-mails li:first-child button.send-again");
    let notice = browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.failed-mail .notice.ok'); return n && root.querySelectorAll('.failed-mails li').length === 1 && n.textContent;",
        "the mail gone from the list, and the status",
    );
    assert!(notice.as_str().unwrap().contains("Mailen er sendt igen"), "{notice}");
    let focused = browser.in_widget(WIDGET, "return root.activeElement && root.activeElement.id;");
    assert_eq!(focused, "failed-mail-title", "focus on the list's heading, not lost with the button");
    browser.click(WIDGET, ".failed-mails li:first-child button.send-again");
    browser.wait_in_widget(
        WIDGET,
        "const e = root.querySelector('.failed-mail p.empty'); return e && e.textContent === 'Alle mails er sendt.';",
        "the empty list",
    );
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view after sending again");
}

#[test]
fn the_coordinator_edits_her_mail_settings() {
    let Some((tools, _turn, site, mut browser)) = setup("mail-settings") else { return };
    let token = coordinator_token();
    browser.open_as(&site, "coordinator", "coordinator");
    let email = browser.wait_in_widget(
        WIDGET,
        "const i = root.querySelector('#mail-email'); return i && i.value;",
        "the mail settings",
    );
    assert_eq!(email, "koordinator@dk2020.invalid", "the server's configured address to begin with");
    let hint = browser.in_widget(WIDGET, "return root.querySelector('#mail-email-hint').textContent;");
    assert!(hint.as_str().unwrap().contains("Modtager en kopi af hver mail"), "{hint}");
    assert_accessible(&mut browser, &tools, WIDGET, "the mail settings");

    // A link that is not one is refused in Danish, on the field, with focus there.
    browser.type_into(WIDGET, "#mail-link", "teams.example.dk/karen");
    browser.click(WIDGET, "form.mail-settings-form button[type=submit]");
    let error = browser.wait_in_widget(
        WIDGET,
        "const e = root.querySelector('#mail-link-error'); return e && e.textContent;",
        "the link's error",
    );
    assert!(error.as_str().unwrap().contains("https://"), "{error}");
    let field = browser.in_widget(
        WIDGET,
        "const i = root.querySelector('#mail-link'); return [i.getAttribute('aria-invalid'), root.activeElement && root.activeElement.id];",
    );
    assert_eq!(field, json!(["true", "mail-link"]));
    assert_accessible(&mut browser, &tools, WIDGET, "the mail settings with an error");

    browser.in_widget(WIDGET, "for (const id of ['mail-name', 'mail-email', 'mail-link']) { root.querySelector('#' + id).value = ''; } return true;");
    browser.type_into(WIDGET, "#mail-name", "Karen Klimasen");
    browser.type_into(WIDGET, "#mail-email", "karen.klimasen@example.dk");
    browser.type_into(WIDGET, "#mail-link", "https://teams.example.dk/l/karen");
    browser.click(WIDGET, "form.mail-settings-form button[type=submit]");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.mail-settings .notice.ok'); return n && n.textContent.includes('er gemt');",
        "saved",
    );
    let saved = site.api_get("/api/coordinator/mail-settings", Some(&token));
    assert_eq!(
        saved,
        json!({"coordinator_name": "Karen Klimasen", "coordinator_email": "karen.klimasen@example.dk",
               "meeting_link": "https://teams.example.dk/l/karen"})
    );
}

#[test]
fn skive_moves_a_booking_with_flyt_and_sees_the_new_time() {
    let Some((tools, _turn, site, mut browser)) = setup("reschedule") else { return };
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-04"), Some(&skive));
    let slots = slots["slots"].as_array().expect("open slots").clone();
    let (first, later) = (slots[0]["start"].clone(), slots[slots.len() - 1]["start"].clone());
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": first, "topic": "Varmeplan",
                "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");
    let id = booking["id"].as_str().unwrap().to_string();
    // A second session puts Skive at its cap: no new times, yet it may move one.
    let other = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-14&to=2026-12-18"), Some(&skive));
    let (status, second) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": other["slots"][0]["start"], "topic": "Mobilitet",
                "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{second}");

    browser.open_as(&site, "779", "booking");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.booking-item button.move');", "the Flyt button");
    browser.click(WIDGET, &format!(".booking-item[data-id={}] button.move", json!(id)));
    let banner = browser.wait_in_widget(
        WIDGET,
        "const h = root.querySelector('#move-title'); return h && root.activeElement === h && h.textContent;",
        "the move banner, with focus on it",
    );
    assert!(banner.as_str().unwrap().starts_with("Flyt sessionen"), "{banner}");
    let online = browser.in_widget(WIDGET, "return root.querySelector('input[name=kind][value=online]').checked;");
    assert_eq!(online, true, "the picker shows the booking's own kind");
    let slot = format!("button.slot[data-start={}]", json!(later));
    browser.wait_in_widget(WIDGET, &format!("return root.querySelector({});", json!(slot)), "the later open time");
    assert_accessible(&mut browser, &tools, WIDGET, "the booking view choosing a new time");
    browser.click(WIDGET, &slot);
    let when = browser.wait_in_widget(
        WIDGET,
        "const s = root.querySelector('.move-form .chosen strong'); return s && s.textContent;",
        "the move's confirmation",
    );
    let when = when.as_str().unwrap().to_string();
    assert!(
        browser.in_widget(WIDGET, "return root.querySelector('form.book-form');").is_null(),
        "no booking form while moving"
    );
    browser.click(WIDGET, ".move-form button.primary");
    let notice = browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('er flyttet') && n.textContent;",
        "the move",
    );
    assert!(notice.as_str().unwrap().contains(&when), "the new time {when:?} in {notice}");
    browser.wait_in_widget(
        WIDGET,
        &format!("const i = root.querySelector('.booking-item .when'); return i && i.textContent === {};", json!(when)),
        "the new time in the list",
    );
    let focused = browser.in_widget(WIDGET, "return root.activeElement && root.activeElement.id;");
    assert_eq!(focused, "own-bookings-title", "focus on the list, not lost with the form");
    let all = site.api_get("/api/bookings", Some(&skive));
    let moved = all["bookings"].as_array().unwrap().iter().find(|b| b["id"] == id.as_str()).unwrap().clone();
    assert_eq!(moved["start"], later, "moved in the store");
    assert_accessible(&mut browser, &tools, WIDGET, "the booking view after the move");
}

#[test]
fn the_manage_link_in_the_contacts_mail_opens_the_booking_and_moves_it() {
    let Some(tools) = dk2020_e2e::browser::Tools::find("manage-link") else { return };
    let Some(sink) = dk2020_e2e::smtp::SmtpSink::start() else { return };
    let _turn = take_turn();
    let site = Site::start_with_env(&tools, &[("DK2020_SMTP_URL", &sink.url())]);
    let mut browser = Browser::start(&tools, "manage-link");
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-04"), Some(&skive));
    let slots = slots["slots"].as_array().expect("open slots").clone();
    let (first, later) = (slots[0]["start"].clone(), slots[slots.len() - 1]["start"].clone());
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": first, "topic": "Varmeplan",
                "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");
    let mails = sink.wait_for(2);
    let contact = mails.iter().find(|m| m.rcpt_to.contains("karen@skive.dk")).expect("the contact's mail");
    let text = contact.text.as_deref().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("#dkm_")).expect("a manage link in the mail").to_string();

    // The contact opens the link: her booking, in Danish, with what she can do.
    browser.goto(&link);
    let shown = browser.wait_in_widget(
        WIDGET,
        "const w = root.querySelector('.booking-item .when'); return w && root.querySelector('button.move') && root.textContent;",
        "the booking and its buttons",
    );
    let shown = shown.as_str().unwrap();
    assert!(shown.contains("Jeres møde med klimakoordinatoren") && shown.contains("Status: Bekræftet"), "{shown}");
    assert!(shown.contains("Emne: Varmeplan") && shown.contains("Skive Kommune"), "{shown}");
    assert_accessible(&mut browser, &tools, WIDGET, "the manage page");
    browser.screenshot_widget(WIDGET, "manage-page");

    browser.click(WIDGET, "button.move");
    let slot = format!("button.slot[data-start={}]", json!(later));
    browser.wait_in_widget(WIDGET, &format!("return root.querySelector({});", json!(slot)), "the later open time");
    assert_accessible(&mut browser, &tools, WIDGET, "the manage page choosing a new time");
    browser.click(WIDGET, &slot);
    let when = browser.wait_in_widget(
        WIDGET,
        "const s = root.querySelector('.move-form .chosen strong'); return s && s.textContent;",
        "the chosen time",
    );
    let when = when.as_str().unwrap().to_string();
    browser.click(WIDGET, ".move-form button.primary");
    let notice = browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('er flyttet') && n.textContent;",
        "the move",
    );
    assert!(notice.as_str().unwrap().contains(&when), "the new time {when:?} in {notice}");
    browser.wait_in_widget(
        WIDGET,
        &format!("const i = root.querySelector('.booking-item .when'); return i && i.textContent === {};", json!(when)),
        "the new time on the page",
    );
    browser.screenshot_widget(WIDGET, "manage-page-moved");
    let all = site.api_get("/api/bookings", Some(&skive));
    let moved = all["bookings"].as_array().unwrap().iter().find(|b| b["id"] == booking["id"]).unwrap().clone();
    assert_eq!(moved["start"], later, "moved in the store");
    assert_accessible(&mut browser, &tools, WIDGET, "the manage page after the move");

    // A link with a wrong key: a clear refusal in Danish, nothing to click.
    let (page, _) = link.split_once('#').unwrap();
    browser.goto("about:blank");
    browser.goto(&format!("{page}#dkm_{}", "A".repeat(43)));
    let refused = browser.wait_in_widget(
        WIDGET,
        "const a = root.querySelector('[role=alert]'); return a && a.textContent;",
        "the refusal",
    );
    assert!(refused.as_str().unwrap().contains("Linket virker ikke"), "{refused}");
    assert!(browser.in_widget(WIDGET, "return root.querySelector('button.move');").is_null());
    assert_accessible(&mut browser, &tools, WIDGET, "the manage page refusing a wrong link");
    browser.screenshot_widget(WIDGET, "manage-page-wrong-link");

    // The coordinator closes the contact's links from her agenda: the mail's link stops working.
    browser.open_as(&site, "coordinator", "coordinator");
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelector('.session button.revoke-links');",
        "the agenda's session",
    );
    browser.click(WIDGET, ".session button.revoke-links");
    let closed = browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent;",
        "the links closed",
    );
    assert!(closed.as_str().unwrap().contains("virker ikke længere"), "{closed}");
    browser.goto("about:blank");
    browser.goto(&link);
    let refused = browser.wait_in_widget(
        WIDGET,
        "const a = root.querySelector('[role=alert]'); return a && a.textContent;",
        "the closed link refused",
    );
    assert!(refused.as_str().unwrap().contains("trukket det tilbage"), "{refused}");
}

#[test]
fn the_coordinator_books_for_skive_after_a_phone_call_and_skive_sees_it() {
    let Some((tools, _turn, site, mut browser)) = setup("on-behalf") else { return };
    browser.open_as(&site, "coordinator", "coordinator");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#on-behalf-municipality');", "the municipality picker");
    browser.in_widget(
        WIDGET,
        "const s = root.querySelector('#on-behalf-municipality'); s.value = '779'; s.dispatchEvent(new Event('change')); return true;",
    );
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelectorAll('.on-behalf button.slot').length;",
        "Skive's open slots",
    );
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view booking for Skive");
    browser.click(WIDGET, ".on-behalf button.slot");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.on-behalf form.book-form');", "the booking form");
    browser.type_into(WIDGET, "#topic", "Varmeplan (aftalt i telefonen)");
    browser.type_into(WIDGET, "#contact-name", "Karen Klima");
    browser.type_into(WIDGET, "#contact-email", "karen@skive.dk");
    browser.click(WIDGET, ".on-behalf form.book-form button[type=submit]");
    let confirmed = browser.wait_in_widget(
        WIDGET,
        "const c = root.querySelector('.on-behalf .confirmation'); return c && c.textContent;",
        "the confirmation",
    );
    assert!(confirmed.as_str().unwrap().contains("Varmeplan (aftalt i telefonen)"), "{confirmed}");
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelector('.on-behalf .booking-item button.move');",
        "the booking in Skive's list, with Flyt",
    );
    // Her agenda above shows it at once.
    browser.wait_in_widget(
        WIDGET,
        "const a = root.querySelector('.agenda'); return a && a.textContent.includes('Varmeplan (aftalt i telefonen)');",
        "the session in her agenda",
    );
    browser.screenshot_widget(WIDGET, "on-behalf");
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view after booking for Skive");
    let skive = site.api_get("/api/bookings", Some(&municipality_token(SKIVE)));
    let own = skive["bookings"].as_array().unwrap();
    assert_eq!(own.len(), 1, "{skive}");
    assert_eq!(own[0]["topic"], "Varmeplan (aftalt i telefonen)");
}

#[test]
fn the_coordinator_adds_her_outlook_calendar_and_its_busy_morning_disappears_from_the_booking_view() {
    let Some(tools) = Tools::find("calendars") else { return };
    let _turn = take_turn();
    let mut fixture = String::new();
    let path = format!("{}/fixtures/calendars/outlook-december.ics", env!("CARGO_MANIFEST_DIR"));
    std::io::Read::read_to_string(&mut std::fs::File::open(&path).expect("the fixture"), &mut fixture).unwrap();
    let calendars = IcsServer::start(Answer::Calendar { ics: fixture, etag: "\"december-1\"".into() });
    let site = Site::start_with_env(&tools, &[("DK2020_CALENDAR_ALLOW_PRIVATE", "1")]);
    let mut browser = Browser::start(&tools, "calendars");
    // Thursday 3 December: the morning slots Skive sees before and after.
    let thursday_morning = "return [...root.querySelectorAll('button.slot')]
        .map(b => b.dataset.start).filter(s => s.startsWith('2026-12-03T') && s.slice(11, 16) < '12:15').length;";
    let skive_page = site.url("/demo/intranet.html");
    browser.goto(&skive_page);
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "open slots");
    let before = browser.in_widget(BOOKING, thursday_morning).as_u64().unwrap();
    assert!(before > 0, "Skive can book Thursday morning before the calendar is added");

    browser.open_as(&site, "coordinator", "coordinator");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#calendar-url');", "the calendar form");
    browser.type_into(WIDGET, "#calendar-label", "Outlook");
    browser.type_into(WIDGET, "#calendar-url", &calendars.url("owa/calendar/abc/reachcalendar.ics"));
    browser.click(WIDGET, "form.add-calendar button[type=submit]");
    let listed = browser.wait_in_widget(
        WIDGET,
        "const c = root.querySelector('li.calendar'); return c && c.textContent;",
        "the added calendar in her list",
    );
    let listed = listed.as_str().unwrap();
    assert!(listed.contains("Outlook") && listed.contains("1 optaget tid"), "{listed}");
    let notice = text(&mut browser, WIDGET);
    assert!(notice.contains("Outlook er tilføjet"), "{notice}");
    // A lunch break on Thursdays, in the same view.
    browser.wait_in_widget(WIDGET, "return root.querySelector('#hours-Thursday');", "the weekly hours");
    browser.type_into(WIDGET, "#hours-Thursday", "08.30-12.00, 12.30-16.00");
    browser.press("\u{E004}");
    save_availability(&mut browser);
    assert_accessible(&mut browser, &tools, WIDGET, "the coordinator view with a calendar");
    browser.in_widget(WIDGET, "root.querySelector('.calendar-subscriptions').scrollIntoView(); return true;");
    browser.screenshot_widget(WIDGET, "calendars");
    let settings = site.api_get("/api/coordinator/availability", Some(&coordinator_token()));
    assert_eq!(
        settings["weekly"]["thursday"],
        json!([{"start": "08:30", "end": "12:00"}, {"start": "12:30", "end": "16:00"}])
    );

    browser.goto(&skive_page);
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "open slots");
    assert_eq!(browser.in_widget(BOOKING, thursday_morning), json!(0), "the busy morning is gone");
    browser.screenshot_widget(BOOKING, "booking-after-calendar");
    assert_eq!(calendars.requests(), 1, "fetched once, when it was added");
}

#[test]
fn the_secretariat_saves_two_budget_scenarios_and_sees_what_each_municipality_pays_more_or_less() {
    let Some((tools, _turn, site, mut browser)) = setup("scenarios") else { return };
    let token = secretariat_token();
    browser.open_as(&site, "secretariat", "secretariat");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#scenario-name');", "the scenario form");
    let save = |browser: &mut Browser, rows: usize| {
        browser.click(WIDGET, "form.scenario-form button[type=submit]");
        browser.wait_in_widget(
            WIDGET,
            &format!("return root.querySelectorAll('table.scenarios tbody tr').length === {rows};"),
            "the saved scenario in the list",
        );
    };
    // The GovTech annex by hand: the hybrid key (25 % equally) for 19, then for 17.
    browser.type_into(WIDGET, "#scenario-name", "19 deltagere");
    browser.press("\u{E004}");
    browser.click(WIDGET, "input[name=scenario-key][value=hybrid]");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#scenario-percent');", "the percent field");
    save(&mut browser, 1);
    browser.click(WIDGET, "form.scenario-form .actions button.secondary");
    browser.type_into(WIDGET, "#scenario-name", "Uden Viborg og Samsø");
    browser.press("\u{E004}");
    browser.click(WIDGET, "input[name=scenario-key][value=hybrid]");
    browser.click(WIDGET, "form.scenario-form input[type=checkbox][value='791']");
    browser.click(WIDGET, "form.scenario-form input[type=checkbox][value='741']");
    save(&mut browser, 2);
    assert!(text(&mut browser, WIDGET).contains("fravalgt: Samsø, Viborg"), "the list states the opt-outs");

    let saved = site.api_get("/api/budget/scenarios", Some(&token));
    // By name: the test server's clock stands still, so both were saved at the same instant.
    let id_of = |name: &str| {
        let all = saved["scenarios"].as_array().unwrap();
        all.iter().find(|s| s["name"] == name).unwrap()["id"].as_str().unwrap().to_string()
    };
    let ids = [id_of("19 deltagere"), id_of("Uden Viborg og Samsø")];
    let choose = |browser: &mut Browser, css: &str, value: &str| {
        browser.execute(
            "const el = document.querySelector(arguments[0]).shadowRoot.querySelector(arguments[1]);
             el.value = arguments[2]; el.dispatchEvent(new Event('change')); return el.value;",
            json!([WIDGET, css, value]),
        )
    };
    choose(&mut browser, "#compare-a", &ids[0]);
    choose(&mut browser, "#compare-b", &ids[1]);
    browser.wait_in_widget(
        WIDGET,
        "return root.querySelectorAll('table.comparison tbody tr').length === 19;",
        "the comparison",
    );
    let api = site.api_get(&format!("/api/budget/comparison?a={}&b={}", ids[0], ids[1]), Some(&token));
    let shown = browser.in_widget(
        WIDGET,
        "return Array.from(root.querySelectorAll('table.comparison tbody tr')).map(r => [r.dataset.code, r.lastElementChild.textContent]);",
    );
    for (row, cells) in api["rows"].as_array().unwrap().iter().zip(shown.as_array().unwrap()) {
        assert_eq!(cells[0], row["code"].to_string().as_str());
        let difference = row["difference_total"].as_i64().unwrap();
        let expected = if difference > 0 {
            format!("+{}", kroner(difference as u64))
        } else {
            format!("-{}", kroner(difference.unsigned_abs()))
        };
        assert_eq!(cells[1], expected.as_str(), "{row}");
        // Viborg and Samsø pay nothing in B; everyone else pays more.
        assert_eq!(difference < 0, [791, 741].contains(&row["code"].as_u64().unwrap()), "{row}");
    }
    let heads = browser.in_widget(
        WIDGET,
        "return Array.from(root.querySelectorAll('table.comparison thead th')).map(h => h.textContent).join('|');",
    );
    assert!(heads.as_str().unwrap().contains("2021 forskel"), "calendar years, not År 1: {heads}");
    assert_accessible(&mut browser, &tools, WIDGET, "the secretariat's budget scenarios and their comparison");
    browser.screenshot_widget(WIDGET, "scenarios");
}

#[test]
fn the_secretariat_issues_an_intranet_key_the_page_books_with_it_and_after_revocation_says_why_in_danish() {
    let Some((tools, _turn, site, mut browser)) = setup("embed-key") else { return };
    browser.open_as(&site, "secretariat", "secretariat");
    browser.wait_in_widget(WIDGET, "return root.querySelector('form.issue-key');", "the key form");
    browser.execute(
        "const root = document.querySelector(arguments[0]).shadowRoot; const s = root.querySelector('#key-municipality');
         s.value = '779'; s.dispatchEvent(new Event('change')); return true;",
        json!([WIDGET]),
    );
    browser.type_into(WIDGET, "#key-label", "Skives intranet");
    browser.type_into(WIDGET, "#key-origins", &site.url(""));
    browser.click(WIDGET, "form.issue-key button[type=submit]");
    let snippet = browser.wait_in_widget(
        WIDGET,
        "const t = root.querySelector('#issued-key'); return t && t.value;",
        "the new key, shown once",
    );
    let snippet = snippet.as_str().unwrap().to_string();
    let key = snippet.split("key=\"").nth(1).and_then(|k| k.split('"').next()).expect("the key in the snippet");
    assert!(key.starts_with("dke_") && snippet.contains("<dk2020-widget view=\"booking\""), "{snippet}");
    assert_accessible(&mut browser, &tools, WIDGET, "the secretariat's keys and audit log");
    browser.screenshot("key-issued");

    // The intranet page with the key shows Skive's slots.
    browser.goto(&site.url(&format!("/demo/intranet.html#key={key}")));
    browser.wait_in_widget(BOOKING, "return root.querySelectorAll('button.slot').length;", "open slots");

    // Revoked in the secretariat's list: the page's next call is refused, in Danish.
    browser.open_as(&site, "secretariat", "secretariat");
    browser.wait_in_widget(
        WIDGET,
        "return [...root.querySelectorAll('table.keys tr')].some(r => r.textContent.includes('Skives intranet'));",
        "the key in the list",
    );
    browser.in_widget(
        WIDGET,
        "const row = [...root.querySelectorAll('table.keys tr')].find(r => r.textContent.includes('Skives intranet'));
         row.querySelector('button.danger').click(); return true;",
    );
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('tilbagekaldt');",
        "the revocation",
    );
    browser.goto(&site.url(&format!("/demo/intranet.html#key={key}")));
    let refused = browser.wait_in_widget(
        BOOKING,
        "return root.textContent.includes('nøgle til DK2020-planlæggeren er trukket tilbage') && root.textContent;",
        "the Danish refusal",
    );
    assert!(!refused.as_str().unwrap().contains("revoked"), "no English for people");
    browser.screenshot("key-revoked");
    assert_accessible(&mut browser, &tools, BOOKING, "the refused booking view");
}

#[test]
fn staff_sign_in_through_the_providers_own_login_form_and_see_what_their_role_allows() {
    let Some(modules) = dk2020_e2e::oidc::node_modules() else { return };
    let Some(tools) = Tools::find("oidc-sign-in") else { return };
    let _turn = take_turn();
    let planned = dk2020_e2e::oidc::Planned::new();
    let issuer = planned.issuer();
    let env = [
        ("DK2020_NOW", "system"),
        ("DK2020_OIDC_ISSUER", issuer.as_str()),
        ("DK2020_OIDC_CLIENT_ID", dk2020_e2e::oidc::CLIENT_ID),
        ("DK2020_OIDC_CLIENT_SECRET", dk2020_e2e::oidc::CLIENT_SECRET),
        ("DK2020_OIDC_COORDINATOR_GROUPS", dk2020_e2e::oidc::COORDINATOR_GROUP),
        ("DK2020_OIDC_SECRETARIAT_GROUPS", dk2020_e2e::oidc::SECRETARIAT_GROUP),
    ];
    let site = Site::start_with_env(&tools, &env);
    let _provider = planned.start(&modules, &site.url("/auth/callback"));

    // The coordinator, through the provider's own form, to her agenda.
    let mut browser = Browser::start(&tools, "oidc-coordinator");
    browser.goto(&site.url("/"));
    assert_eq!(browser.execute("return document.documentElement.lang;", json!([])), "da");
    browser.click_in_page("a[href='auth/login']");
    browser.wait_for_page("return !!document.querySelector('input[name=login]');", "the provider's login form");
    browser.type_in_page("input[name=login]", "coordinator");
    browser.type_in_page("input[name=password]", "test");
    browser.click_in_page("button[type=submit]");
    browser.wait_for_page("return !!document.querySelector('form[action=\"auth/logout\"]');", "the staff page");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.agenda');", "her agenda");
    let who = browser.execute("return document.querySelector('.who').textContent;", json!([]));
    assert!(who.as_str().unwrap().contains("koordinator@aarhus.dk"), "{who}");
    browser.screenshot("oidc-coordinator");

    // Skive's staff member, in a browser of her own: Skive's booking view, and Randers' bookings refused.
    let mut skive = Browser::start(&tools, "oidc-skive");
    skive.goto(&site.url("/auth/login"));
    skive.wait_for_page("return !!document.querySelector('input[name=login]');", "the provider's login form");
    skive.type_in_page("input[name=login]", "skive");
    skive.type_in_page("input[name=password]", "test");
    skive.click_in_page("button[type=submit]");
    skive.wait_for_page("return !!document.querySelector('form[action=\"auth/logout\"]');", "the staff page");
    skive.wait_in_widget(WIDGET, "return root.querySelectorAll('button.slot').length;", "Skive's open slots");
    assert!(text(&mut skive, WIDGET).contains("Skive Kommune"));
    skive.click(WIDGET, "button.slot");
    skive.wait_in_widget(WIDGET, "return root.querySelector('form.book-form');", "the booking form");
    skive.type_into(WIDGET, "#topic", "Varmeplan");
    skive.type_into(WIDGET, "#contact-name", "Anne Skive");
    skive.type_into(WIDGET, "#contact-email", "anne@skive.dk");
    skive.click(WIDGET, "form.book-form button[type=submit]");
    skive.wait_in_widget(
        WIDGET,
        "const c = root.querySelector('.confirmation'); return c && c.textContent;",
        "the confirmation",
    );
    let randers = skive.execute_async(
        "const done = arguments[arguments.length - 1];
         fetch('/api/bookings?municipality=730').then(r => done(r.status), e => done(String(e)));",
        json!([]),
    );
    assert_eq!(randers, json!(403), "Skive's staff cannot see Randers' bookings");
    assert_accessible(&mut skive, &tools, WIDGET, "the booking view after signing in");
}

#[test]
fn the_secretariat_finds_what_is_held_about_a_person_and_erases_it_and_every_view_links_the_privacy_notice() {
    let Some((tools, _turn, site, mut browser)) = setup("privacy") else { return };
    let skive = municipality_token(SKIVE);
    let slots = site
        .api_get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-11"), Some(&skive));
    let start = slots["slots"][0]["start"].clone();
    let (status, booking) = site.api_post(
        "/api/bookings",
        &skive,
        &json!({"municipality": SKIVE, "kind": "online", "start": start, "topic": "Skovrejsning ved Hald",
                "contact_name": "Signe Sletmig", "contact_email": "signe.sletmig@skive.dk"}),
    );
    assert_eq!(status, 201, "{booking}");

    browser.open_as(&site, "secretariat", "secretariat");
    browser.wait_in_widget(WIDGET, "return root.querySelector('#privacy-email');", "the privacy section");
    // Not an address: told in Danish at the field.
    browser.type_into(WIDGET, "#privacy-email", "signe");
    browser.click(WIDGET, "section.privacy button[type=submit]");
    browser.wait_in_widget(
        WIDGET,
        "const e = root.querySelector('#privacy-email-error'); return e && e.textContent.includes('gyldig e-mailadresse');",
        "the Danish problem at the field",
    );
    browser.in_widget(WIDGET, "root.querySelector('#privacy-email').value = ''; return true;");
    browser.type_into(WIDGET, "#privacy-email", "Signe.Sletmig@skive.dk");
    browser.click(WIDGET, "section.privacy button[type=submit]");
    let found = browser.wait_in_widget(
        WIDGET,
        "const s = root.querySelector('.subject'); return s && s.textContent.includes('Skovrejsning') && s.textContent;",
        "what is held about her",
    );
    assert!(found.as_str().unwrap().contains("1 bookinger"), "{found}");
    assert_accessible(&mut browser, &tools, WIDGET, "the secretariat's insight and erasure");
    browser.screenshot_widget(WIDGET, "privacy-found");

    browser.click(WIDGET, ".subject button.danger");
    browser.wait_in_widget(WIDGET, "return root.querySelector('.confirm button.danger');", "the confirmation");
    browser.click(WIDGET, ".confirm button.danger");
    browser.wait_in_widget(
        WIDGET,
        "const n = root.querySelector('.notice.ok'); return n && n.textContent.includes('Slettet: 1 bookinger');",
        "the erasure, told in Danish",
    );
    let coordinator = coordinator_token();
    let listed = site.api_get("/api/bookings", Some(&coordinator)).to_string();
    assert!(!listed.contains("Sletmig") && !listed.contains("Skovrejsning"), "{listed}");

    // Every view, here the secretariat's, links to the notice, which is in Danish.
    let href = browser.in_widget(WIDGET, "const a = root.querySelector('.privacy-link a'); return a && a.href;");
    let href = href.as_str().expect("the privacy link").to_string();
    assert!(href.ends_with("/privatliv"), "{href}");
    browser.goto(&href);
    browser.wait_for_page(
        "return document.documentElement.lang === 'da' && document.body.textContent.includes('Dataansvarlig');",
        "the notice",
    );
    browser.screenshot("privacy-notice");
}
