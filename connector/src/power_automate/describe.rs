//! Titles (`x-ms-summary`) and descriptions for the properties of response schemas: the core's
//! response types carry few doc comments, and Power Automate shows these in dynamic content.
//! Looked up by `parent/name` (the nearest enclosing property, or the array holding the item),
//! then by `name`.

/// (key, title, description)
const TABLE: &[(&str, &str, &str)] = &[
    // Verifications and checks.
    ("sid", "SID", "The unique identifier of the resource."),
    ("services/sid", "Service SID", "The unique identifier of the verification service (VA...)."),
    ("service_sid", "Service SID", "The verification service the verification belongs to (VA...)."),
    ("account_sid", "Account SID", "The account that owns the resource (AC...)."),
    ("to", "To", "The phone number in E.164 form or the email address the code was sent to."),
    ("channel", "Channel", "How the code is delivered: sms, call, email or whatsapp."),
    ("status", "Status", "The verification status: pending, approved, canceled or max_attempts_reached."),
    ("valid", "Valid", "True when the verification is approved."),
    ("amount", "Amount", "The PSD2 transaction amount, when the service is PSD2-enabled."),
    ("payee", "Payee", "The PSD2 payee, when the service is PSD2-enabled."),
    ("send_code_attempts", "Send Code Attempts", "Each time a code was sent for this verification."),
    ("send_code_attempts/attempt_sid", "Attempt SID", "The unique identifier of the send (VL...)."),
    ("send_code_attempts/channel", "Attempt Channel", "The channel of the send (SMS, CALL, EMAIL or whatsapp)."),
    ("send_code_attempts/time", "Attempt Time", "When the code was sent (ISO 8601)."),
    ("date_created", "Date Created", "When the resource was created (ISO 8601)."),
    ("date_updated", "Date Updated", "When the resource was last updated (ISO 8601)."),
    ("url", "URL", "The absolute URL of the resource."),
    // Services.
    ("services", "Services", "The verification services on this page."),
    ("friendly_name", "Friendly Name", "The service name shown in messages."),
    ("code_length", "Code Length", "The number of digits in generated codes."),
    ("lookup_enabled", "Lookup Enabled", "Whether the number is looked up before sending."),
    ("psd2_enabled", "PSD2 Enabled", "Whether verifications carry a PSD2 amount and payee."),
    ("skip_sms_to_landlines", "Skip SMS to Landlines", "Whether SMS to landlines is skipped (needs lookup)."),
    ("dtmf_input_required", "DTMF Input Required", "Whether a call asks for a key press before reading the code."),
    ("tts_name", "Text to Speech Name", "The alternative text-to-speech voice for calls, if set."),
    ("do_not_share_warning_enabled", "Do Not Share Warning Enabled", "Whether SMS messages add a do-not-share sentence."),
    ("custom_code_enabled", "Custom Code Enabled", "Whether verifications may be started with your own code."),
    ("push", "Push Settings", "The push notification settings (kept for compatibility)."),
    ("push/include_date", "Push Include Date", "Deprecated; kept for compatibility."),
    ("push/apn_credential_sid", "APN Credential SID", "The push credential for iOS (CR...), if set."),
    ("push/fcm_credential_sid", "FCM Credential SID", "The push credential for Android (CR...), if set."),
    ("totp", "TOTP Settings", "The settings of time-based one-time passwords."),
    ("totp/issuer", "TOTP Issuer", "The issuer shown in TOTP URIs; the friendly name unless set."),
    ("totp/time_step", "TOTP Time Step", "The seconds per TOTP code."),
    ("totp/code_length", "TOTP Code Length", "The digits per TOTP code."),
    ("totp/skew", "TOTP Skew", "The time steps of tolerance."),
    ("default_template_sid", "Default Template SID", "The default SMS template (HJ...), if set."),
    ("whatsapp", "WhatsApp Settings", "The WhatsApp sender settings."),
    ("whatsapp/msg_service_sid", "WhatsApp Messaging Service SID", "The Messaging Service holding the WhatsApp senders (MG...), if set."),
    ("whatsapp/from", "WhatsApp Sender", "The WhatsApp sender number, if set."),
    ("passkeys", "Passkeys Settings", "The passkeys settings."),
    ("passkeys/relying_party", "Relying Party", "The passkeys relying party."),
    ("relying_party/id", "Relying Party ID", "The relying party domain, if set."),
    ("relying_party/name", "Relying Party Name", "The relying party name, if set."),
    ("relying_party/origins", "Relying Party Origins", "The origins allowed for passkeys."),
    ("passkeys/authenticator_attachment", "Authenticator Attachment", "Which authenticators may be used: platform, cross-platform or any."),
    ("passkeys/discoverable_credentials", "Discoverable Credentials", "Whether credentials must be discoverable: required, preferred or discouraged."),
    ("passkeys/user_verification", "User Verification", "Whether the user must be verified: required, preferred or discouraged."),
    ("verify_event_subscription_enabled", "Event Subscription Enabled", "Whether events are sent to event streams."),
    ("fraud_guard", "Fraud Guard", "What the fraud guard does: block, monitor or off; empty when the account's setting applies."),
    ("geo_permissions", "Geo Permissions", "The countries this service narrows its account's geo permissions to; empty for all."),
    ("geo_permissions/sms", "SMS Countries", "The ISO country codes SMS and WhatsApp may reach; empty for all of the account's."),
    ("geo_permissions/call", "Voice Countries", "The ISO country codes calls may reach; empty for all of the account's."),
    ("limits", "Limits", "The limits this service sets for itself; empty values keep the account's."),
    ("limits/sends_per_to_per_hour", "Sends per To per Hour", "The sends to one To in an hour, if set."),
    ("limits/sends_per_to_per_day", "Sends per To per Day", "The sends to one To in a day, if set."),
    ("limits/starts_per_client_per_hour", "Starts per End User IP per Hour", "The starts from one end user IP in an hour, if set."),
    ("limits/starts_per_ip_per_hour", "Starts per Caller IP per Hour", "The starts from one connecting IP in an hour, if set."),
    ("limits/starts_per_prefix_per_hour", "Starts per Number Block per Hour", "The starts to one block of 10,000 numbers in an hour, if set."),
    ("limits/sends_per_day", "Sends per Day", "The sends by this service in a day, if set."),
    ("test_numbers", "Test Numbers", "Numbers that send nothing and approve with a fixed code (never shown)."),
    ("test_numbers/to", "Test Number", "The test phone number."),
    ("test_numbers/date_expires", "Test Number Expires", "When the test number stops working, if it does."),
    ("links", "Links", "The URLs of the service's subresources."),
    ("links/verification_checks", "Verification Checks Link", "The URL for checking codes."),
    ("links/verifications", "Verifications Link", "The URL for starting verifications."),
    ("links/rate_limits", "Rate Limits Link", "The URL of the service's rate limits."),
    ("links/messaging_configurations", "Messaging Configurations Link", "The URL of the messaging configurations."),
    ("links/entities", "Entities Link", "The URL of the entities."),
    ("links/webhooks", "Webhooks Link", "The URL of the webhooks."),
    ("links/access_tokens", "Access Tokens Link", "The URL of the access tokens."),
    // Paging.
    ("meta", "Page Information", "Paging details of this list."),
    ("meta/page", "Page", "The number of this page, from 0."),
    ("meta/page_size", "Page Size", "The items per page."),
    ("meta/first_page_url", "First Page URL", "The URL of the first page."),
    ("meta/previous_page_url", "Previous Page URL", "The URL of the previous page; empty on the first page."),
    ("meta/url", "Page URL", "The URL of this page."),
    ("meta/next_page_url", "Next Page URL", "The URL of the next page; empty on the last page."),
    ("meta/key", "List Key", "The name of the list in the body."),
    // make_api_call.
    ("ApiCallResult/status", "Status Code", "The HTTP status code of the call."),
    ("headers", "Headers", "The response headers of the call."),
    ("body", "Body", "The JSON body of the call's response; empty when it had none."),
    // The action catalog (GET /v1/actions).
    ("actions", "Actions", "Every JSON action of the deployment."),
    ("actions/id", "Action ID", "The action's stable identifier."),
    ("actions/label", "Action Label", "The action's name."),
    ("actions/description", "Action Description", "What the action does."),
    ("actions/url", "Action URL", "The URL the action is called at."),
    ("actions/rest", "REST Route", "The REST route the action runs."),
    ("rest/method", "REST Method", "The HTTP method of the route."),
    ("rest/path", "REST Path", "The path template of the route."),
    ("actions/fields", "Fields", "The action's input fields."),
    ("actions/output_sample", "Output Sample", "An example of the action's output."),
    ("fields/name", "Field Name", "The field's JSON name."),
    ("fields/label", "Field Label", "The field's label."),
    ("fields/type", "Field Type", "The field's type: text, integer, boolean, select, object, array or any."),
    ("fields/required", "Field Required", "Whether the field is required."),
    ("fields/help", "Field Help", "The field's help text."),
    ("fields/max_length", "Field Max Length", "The most characters the field takes, if limited."),
    ("fields/min", "Field Minimum", "The smallest value the field takes, if limited."),
    ("fields/max", "Field Maximum", "The largest value the field takes, if limited."),
    ("fields/pattern", "Field Pattern", "The regular expression the field matches, if any."),
    ("fields/options", "Field Options", "The values the field takes, if it is a choice."),
    ("fields/options_from", "Field Options Source", "Where a picker gets the field's choices."),
    ("options_from/action", "Options Action", "The action that lists the choices."),
    ("options_from/items", "Options Items", "The list in that action's output."),
    ("options_from/value", "Options Value", "The item property that is the value."),
    ("options_from/label", "Options Label", "The item property that is shown."),
    // Request pairs (make_api_call headers and query).
    ("key", "Key", "The name."),
    ("value", "Value", "The value."),
];

/// Title and description of property `name` inside `parent` (empty at the top).
pub fn describe(parent: &str, name: &str) -> (String, String) {
    let qualified = format!("{parent}/{name}");
    let found = TABLE.iter().find(|(k, ..)| *k == qualified).or_else(|| TABLE.iter().find(|(k, ..)| *k == name));
    match found {
        Some((_, title, description)) => ((*title).to_owned(), (*description).to_owned()),
        None => {
            let title = humanize(name);
            let description = format!("The {}.", title.to_lowercase());
            (title, description)
        }
    }
}

/// `send_code_attempts` -> `Send Code Attempts`, with common acronyms upper case.
pub fn humanize(name: &str) -> String {
    name.split(['_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "sid" | "url" | "id" | "ip" | "sms" | "tts" | "totp" | "dtmf" | "psd2" | "apn" | "fcm" => w.to_ascii_uppercase(),
            _ => {
                let mut c = w.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A summary as the certification wants it: letters, digits, spaces and parentheses only, at most
/// 80 characters.
pub fn plain(summary: &str) -> String {
    let cleaned: String = summary.chars().map(|c| if c.is_ascii_alphanumeric() || c == '(' || c == ')' { c } else { ' ' }).collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        if out.len() + w.len() + 1 > 80 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// A description as a sentence: ends in punctuation.
pub fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return String::new();
    }
    if t.ends_with(['.', '!', '?', ')']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

/// Title case for `x-ms-summary` ("Use title case"): `Verification service` -> `Verification
/// Service`; acronyms and small words (other than the first) are kept.
pub fn title_case(text: &str) -> String {
    const SMALL: [&str; 12] = ["a", "an", "the", "and", "or", "of", "to", "in", "on", "per", "for", "by"];
    text.split(' ')
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && SMALL.contains(&w) {
                return w.to_owned();
            }
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sentence case for operation summaries ("Use sentence case"): `Start a Verification` -> `Start
/// a verification`; words with two capitals or more (`API`, `SID`) are kept.
pub fn sentence_case(text: &str) -> String {
    text.split(' ')
        .enumerate()
        .map(|(i, w)| if i == 0 || w.chars().filter(char::is_ascii_uppercase).count() >= 2 { w.to_owned() } else { w.to_lowercase() })
        .collect::<Vec<_>>()
        .join(" ")
}
