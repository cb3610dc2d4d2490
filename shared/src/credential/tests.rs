use super::*;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn key(origins: &[&str]) -> Credential {
    Credential {
        id: "key_1".into(),
        hash: "h".into(),
        label: "Skives intranet".into(),
        grant: Grant::EmbedKey {
            municipality: MunicipalityCode::new(779).unwrap(),
            origins: origins.iter().map(|o| Origin::parse(o).unwrap()).collect(),
        },
        created_by: "sekretariatet".into(),
        created_at: at("2030-01-01T08:00:00Z"),
        last_used: None,
        revoked_at: None,
        expires_at: None,
    }
}

#[test]
fn origins_are_scheme_and_host_as_a_browser_sends_them() {
    assert_eq!(Origin::parse(" https://Intranet.Skive.dk/ ").unwrap().as_str(), "https://intranet.skive.dk");
    assert_eq!(Origin::parse("https://intra.randers.dk:8443").unwrap().as_str(), "https://intra.randers.dk:8443");
    assert!(Origin::parse("http://127.0.0.1:8080").is_ok());
    for bad in [
        "intranet.skive.dk",
        "http://intranet.skive.dk",
        "https://intranet.skive.dk/sider",
        "ftp://x.dk",
        "https://",
        "https://a@b.dk",
        "https://x.dk?q",
    ] {
        assert!(Origin::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_embed_key_works_only_from_its_origins_and_until_it_is_revoked() {
    let key = key(&["https://intranet.skive.dk"]);
    let now = at("2030-01-02T08:00:00Z");
    assert_eq!(key.check(now, Some("https://intranet.skive.dk")), Ok(()));
    assert_eq!(key.check(now, Some("https://evil.example")), Err(CredentialRefusal::WrongOrigin));
    assert_eq!(key.check(now, None), Err(CredentialRefusal::WrongOrigin));
    let revoked = key.revoked(now);
    assert_eq!(revoked.check(now, Some("https://intranet.skive.dk")), Err(CredentialRefusal::Revoked));
    assert_eq!(revoked.revoked(at("2030-02-01T00:00:00Z")).revoked_at, Some(now), "the first revocation counts");
}

#[test]
fn a_session_slides_for_eight_idle_hours_and_ends_after_seven_days() {
    let start = at("2030-01-01T08:00:00Z");
    let email = Email::parse("koordinator@aarhus.dk").unwrap();
    let mut session = Credential::session("ses_1".into(), "h".into(), Actor::Coordinator, email, "c".into(), start);
    assert_eq!(session.check(start + SignedDuration::from_hours(7), None), Ok(()));
    assert_eq!(session.check(start + SignedDuration::from_hours(8), None), Err(CredentialRefusal::Expired));
    // Used every 7 hours, it lives on, up to its seventh day.
    let mut now = start;
    while now + SignedDuration::from_hours(7) < start + SESSION_MAX {
        now += SignedDuration::from_hours(7);
        assert_eq!(session.check(now, None), Ok(()), "{now}");
        session = session.used(now).expect("seven hours make a use worth writing");
    }
    assert_eq!(session.expires_at, Some(start + SESSION_MAX));
    assert_eq!(session.check(start + SESSION_MAX, None), Err(CredentialRefusal::Expired));
}

#[test]
fn a_use_is_written_only_when_last_used_is_stale() {
    let key = key(&["https://intranet.skive.dk"]);
    let now = at("2030-01-02T08:00:00Z");
    let used = key.used(now).expect("never used");
    assert!(used.used(now + SignedDuration::from_mins(1)).is_none());
    assert!(used.used(now + LAST_USED_RESOLUTION).is_some());
}

#[test]
fn secrets_are_recognised_by_their_prefix_and_length() {
    let secret = format!("dke_{}", "A".repeat(43));
    assert!(CredentialKind::EmbedKey.is_secret_shaped(&secret));
    assert!(!CredentialKind::CalendarFeed.is_secret_shaped(&secret));
    assert!(!CredentialKind::EmbedKey.is_secret_shaped("dke_short"));
    assert!(!CredentialKind::RevokedToken.is_secret_shaped(""));
}
