//! Who a signed-in person is in the product: the OpenID provider's `groups`
//! claim makes the coordinator or a secretariat member; everyone else is
//! municipal staff of the municipality their e-mail domain belongs to
//! ([`EmailDomains`], a default for the 19 that the secretariat can edit).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{actor::Actor, booking::Email, municipality::MunicipalityCode};

/// The e-mail domains of the municipalities' staff, e.g. `skive.dk` → 779.
/// `PUT /api/sign-in/domains` replaces the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EmailDomains {
    /// Domain (lower case, no `@`) → municipality code.
    pub domains: BTreeMap<String, MunicipalityCode>,
}

/// The domains each of the 19 municipalities uses for its staff's mail.
const DEFAULT_DOMAINS: [(&str, u16); 19] = [
    ("aarhus.dk", 751),
    ("randers.dk", 730),
    ("viborg.dk", 791),
    ("silkeborg.dk", 740),
    ("horsens.dk", 615),
    ("herning.dk", 657),
    ("skanderborg.dk", 746),
    ("holstebro.dk", 661),
    ("rksk.dk", 760),
    ("favrskov.dk", 710),
    ("hedensted.dk", 766),
    ("skive.dk", 779),
    ("syddjurs.dk", 706),
    ("ikast-brande.dk", 756),
    ("norddjurs.dk", 707),
    ("odder.dk", 727),
    ("struer.dk", 671),
    ("lemvig.dk", 665),
    ("samsoe.dk", 741),
];

impl Default for EmailDomains {
    fn default() -> Self {
        let domains = DEFAULT_DOMAINS
            .iter()
            .map(|(domain, code)| ((*domain).to_string(), MunicipalityCode::new(*code).expect("one of the 19")))
            .collect();
        Self { domains }
    }
}

impl EmailDomains {
    /// The table with every domain trimmed and lower-cased; an entry that is
    /// not a plain domain name is refused with a message naming it.
    pub fn checked(self) -> Result<Self, String> {
        let mut domains = BTreeMap::new();
        for (domain, code) in self.domains {
            let clean = domain.trim().trim_start_matches('@').to_ascii_lowercase();
            let plain = clean.contains('.')
                && clean.len() <= 253
                && clean.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            if !plain {
                return Err(format!("{domain:?} is not an e-mail domain such as skive.dk"));
            }
            domains.insert(clean, code);
        }
        Ok(Self { domains })
    }

    /// The municipality whose staff use `email`'s domain.
    pub fn municipality_of(&self, email: &Email) -> Option<MunicipalityCode> {
        let domain = email.as_str().rsplit_once('@')?.1.to_ascii_lowercase();
        self.domains.get(&domain).copied()
    }
}

/// The groups that make the coordinator and the secretariat
/// (`DK2020_OIDC_COORDINATOR_GROUPS`, `DK2020_OIDC_SECRETARIAT_GROUPS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleGroups {
    pub coordinator: Vec<String>,
    pub secretariat: Vec<String>,
}

/// Why a person who signed in with the provider gets no access.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    #[error("the provider did not give a verified e-mail address")]
    NoEmail,
    #[error("{0} belongs to no municipality, and to neither the coordinator's nor the secretariat's group")]
    NoRole(String),
}

impl SignInRefusal {
    /// What the sign-in page tells the person.
    pub fn danish(&self) -> String {
        match self {
            SignInRefusal::NoEmail => {
                "Log-in-tjenesten oplyste ingen bekræftet e-mailadresse. Kontakt jeres it-afdeling.".into()
            }
            SignInRefusal::NoRole(email) => format!(
                "{email} har ikke adgang: adressen hører ikke til en af de 19 kommuner, og du er ikke med i \
                 koordinatorens eller sekretariatets gruppe. Kontakt DK2020-sekretariatet."
            ),
        }
    }
}

/// The actor a person with `email` and `groups` signs in as. The groups
/// come first (the coordinator works for one municipality's domain, but
/// books for none); a person in both groups is the coordinator.
pub fn actor_for(
    email: Option<&Email>,
    groups: &[String],
    roles: &RoleGroups,
    domains: &EmailDomains,
) -> Result<Actor, SignInRefusal> {
    let email = email.ok_or(SignInRefusal::NoEmail)?;
    let in_any = |wanted: &[String]| groups.iter().any(|g| wanted.iter().any(|w| w == g));
    if in_any(&roles.coordinator) {
        return Ok(Actor::Coordinator);
    }
    if in_any(&roles.secretariat) {
        return Ok(Actor::Secretariat);
    }
    domains
        .municipality_of(email)
        .map(|municipality| Actor::Municipality { municipality })
        .ok_or_else(|| SignInRefusal::NoRole(email.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn groups_make_staff_roles_and_domains_make_municipal_staff() {
        let roles = RoleGroups { coordinator: vec!["grp-c".into()], secretariat: vec!["grp-s".into()] };
        let domains = EmailDomains::default();
        let skive = Actor::Municipality { municipality: MunicipalityCode::new(779).unwrap() };
        assert_eq!(actor_for(Some(&email("anne@Skive.dk")), &[], &roles, &domains), Ok(skive));
        assert_eq!(actor_for(Some(&email("k@aarhus.dk")), &["grp-c".into()], &roles, &domains), Ok(Actor::Coordinator));
        assert_eq!(actor_for(Some(&email("s@kl.dk")), &["grp-s".into()], &roles, &domains), Ok(Actor::Secretariat));
        assert!(matches!(actor_for(Some(&email("x@gmail.com")), &[], &roles, &domains), Err(SignInRefusal::NoRole(_))));
        assert_eq!(actor_for(None, &["grp-c".into()], &roles, &domains), Err(SignInRefusal::NoEmail));
    }

    #[test]
    fn the_default_table_covers_all_19_and_edits_are_checked() {
        let domains = EmailDomains::default();
        let codes: std::collections::BTreeSet<_> = domains.domains.values().collect();
        assert_eq!(codes.len(), 19);
        let mut edited = domains.clone();
        edited.domains.insert(" @Intra.Skive.DK ".into(), MunicipalityCode::new(779).unwrap());
        let edited = edited.checked().unwrap();
        assert!(edited.domains.contains_key("intra.skive.dk"));
        let mut bad = EmailDomains::default();
        bad.domains.insert("skive dk".into(), MunicipalityCode::new(779).unwrap());
        assert!(bad.checked().is_err());
    }
}
