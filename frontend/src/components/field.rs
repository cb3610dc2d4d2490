//! A labelled input whose error message is tied to it (`aria-describedby`,
//! `aria-invalid`), and Danish texts for the model's field errors.

use dk2020_model::FieldError;
use leptos::{html, prelude::*};

/// The value, the error shown under the field and a handle to focus it.
#[derive(Clone, Copy)]
pub struct FieldState {
    pub value: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
    pub node: NodeRef<html::Input>,
}

impl FieldState {
    pub fn new(value: &str) -> Self {
        Self { value: RwSignal::new(value.to_string()), error: RwSignal::new(None), node: NodeRef::new() }
    }

    /// Checks the value with `parse`; shows the Danish error or clears it.
    pub fn check<T>(&self, parse: impl Fn(&str) -> Result<T, FieldError>) -> Option<T> {
        match parse(&self.value.get_untracked()) {
            Ok(v) => {
                self.error.set(None);
                Some(v)
            }
            Err(e) => {
                self.error.set(Some(field_error_da(&e)));
                None
            }
        }
    }

    pub fn focus(&self) {
        if let Some(input) = self.node.get_untracked() {
            let _ = input.focus();
        }
    }
}

/// Danish text for a refused field.
pub fn field_error_da(e: &FieldError) -> String {
    match e {
        FieldError::Empty { .. } => "Skal udfyldes.".into(),
        FieldError::TooLong { max, .. } => format!("Må højst være {max} tegn."),
        FieldError::ControlCharacters { .. } => "Må ikke indeholde kontroltegn.".into(),
        FieldError::Email(_) => "Skriv en gyldig e-mailadresse, fx klima@skive.dk.".into(),
        FieldError::BookingId(_) => "Ugyldigt id.".into(),
    }
}

/// `<label>` + `<input>` + the error paragraph the input points to.
pub fn text_field(
    id: &'static str,
    label: &'static str,
    input_type: &'static str,
    autocomplete: &'static str,
    max_chars: usize,
    state: FieldState,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    let FieldState { value, error, node } = state;
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                autocomplete=autocomplete
                maxlength=max_chars
                node_ref=node
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=move || error.with(|e| e.as_ref().map(|_| described.clone()))
            />
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dk2020_model::{ContactName, Email, Topic};

    #[test]
    fn the_models_field_errors_read_in_danish() {
        assert_eq!(field_error_da(&Topic::parse("  ").unwrap_err()), "Skal udfyldes.");
        assert_eq!(field_error_da(&ContactName::parse(&"x".repeat(101)).unwrap_err()), "Må højst være 100 tegn.");
        assert!(field_error_da(&Email::parse("klima@skive").unwrap_err()).contains("gyldig e-mailadresse"));
    }
}
