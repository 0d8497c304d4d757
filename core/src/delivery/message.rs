//! The words of a verification message: per-language templates, the do-not-share warning, custom
//! messages, the Android app hash line, spoken digits for calls, and email subject and bodies.

/// One language's templates. `{name}` is the friendly name, `{code}` the code.
#[derive(Debug, PartialEq, Eq)]
pub struct Language {
    /// ISO 639-1 code.
    pub code: &'static str,
    /// "Your {name} verification code is: {code}."
    pub body: &'static str,
    /// The do-not-share sentence.
    pub warning: &'static str,
    /// Email subject.
    pub subject: &'static str,
    /// `<Say language>` for calls.
    pub voice: &'static str,
}

const fn lang(code: &'static str, body: &'static str, warning: &'static str, subject: &'static str, voice: &'static str) -> Language {
    Language { code, body, warning, subject, voice }
}

/// Every language with its own templates; anything else falls back to English (the first).
pub const LANGUAGES: &[Language] = &[
    lang("en", "Your {name} verification code is: {code}.", "Don't share this code with anyone; our employees will never ask for the code.", "Your {name} verification code", "en-US"),
    lang("es", "Tu código de verificación de {name} es: {code}.", "No compartas este código con nadie; nuestros empleados nunca te lo pedirán.", "Tu código de verificación de {name}", "es-ES"),
    lang("fr", "Votre code de vérification {name} est : {code}.", "Ne partagez ce code avec personne ; nos employés ne vous le demanderont jamais.", "Votre code de vérification {name}", "fr-FR"),
    lang("de", "Ihr {name} Verifizierungscode lautet: {code}.", "Geben Sie diesen Code an niemanden weiter; unsere Mitarbeiter werden Sie nie danach fragen.", "Ihr {name} Verifizierungscode", "de-DE"),
    lang("it", "Il tuo codice di verifica {name} è: {code}.", "Non condividere questo codice con nessuno; i nostri dipendenti non te lo chiederanno mai.", "Il tuo codice di verifica {name}", "it-IT"),
    lang("pt", "O seu código de verificação {name} é: {code}.", "Não compartilhe este código com ninguém; nossos funcionários nunca pedirão o código.", "O seu código de verificação {name}", "pt-BR"),
    lang("nl", "Je {name} verificatiecode is: {code}.", "Deel deze code met niemand; onze medewerkers zullen nooit om de code vragen.", "Je {name} verificatiecode", "nl-NL"),
    lang("pl", "Twój kod weryfikacyjny {name} to: {code}.", "Nie udostępniaj tego kodu nikomu; nasi pracownicy nigdy nie poproszą o ten kod.", "Twój kod weryfikacyjny {name}", "pl-PL"),
    lang("tr", "{name} doğrulama kodunuz: {code}.", "Bu kodu kimseyle paylaşmayın; çalışanlarımız bu kodu asla istemez.", "{name} doğrulama kodunuz", "tr-TR"),
    lang("ja", "{name}の認証コードは{code}です。", "このコードは誰にも教えないでください。当社の従業員がコードを尋ねることはありません。", "{name}の認証コード", "ja-JP"),
    lang("zh", "您的{name}验证码是：{code}。", "请勿与任何人分享此验证码；我们的员工绝不会向您索要验证码。", "您的{name}验证码", "cmn-CN"),
    lang("hi", "आपका {name} सत्यापन कोड है: {code}।", "यह कोड किसी के साथ साझा न करें; हमारे कर्मचारी कभी भी यह कोड नहीं मांगेंगे।", "आपका {name} सत्यापन कोड", "hi-IN"),
    lang("ar", "رمز التحقق الخاص بك في {name} هو: {code}.", "لا تشارك هذا الرمز مع أي شخص؛ لن يطلب موظفونا الرمز أبدًا.", "رمز التحقق الخاص بك في {name}", "arb"),
];

/// The templates for `locale` (`es`, `pt-BR`, `zh_CN`...), English when unknown.
pub fn language(locale: Option<&str>) -> &'static Language {
    let wanted = locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    LANGUAGES.iter().find(|l| l.code == wanted).or(LANGUAGES.first()).unwrap_or(&FALLBACK)
}

const FALLBACK: Language = lang("en", "Your {name} verification code is: {code}.", "", "Your {name} verification code", "en-US");

/// What a message is made of.
#[derive(Debug, Clone, Copy)]
pub struct MessageParts<'a> {
    /// Service name, or the request's CustomFriendlyName.
    pub friendly_name: &'a str,
    /// The code.
    pub code: &'a str,
    /// The requested locale.
    pub locale: Option<&'a str>,
    /// Add the do-not-share sentence (SMS).
    pub do_not_share: bool,
    /// CustomMessage with a `{{code}}` placeholder.
    pub custom_message: Option<&'a str>,
    /// Android SMS Retriever hash (SMS).
    pub app_hash: Option<&'a str>,
    /// The service's `WebOtpDomain` (SMS): the last line is `@host #code` for the Web OTP API.
    pub web_otp_domain: Option<&'a str>,
    /// A caller's own text (the Messages API), sent as it is: no template, warning or hash line.
    pub text: Option<&'a str>,
}

fn fill(template: &str, name: &str, code: &str) -> String {
    template.replace("{name}", name).replace("{code}", code)
}

/// The main sentence, from the custom message or the locale's template.
fn sentence(parts: &MessageParts<'_>) -> String {
    match parts.custom_message {
        Some(custom) => custom.replace("{{code}}", parts.code).replace("{code}", parts.code),
        None => fill(language(parts.locale).body, parts.friendly_name, parts.code),
    }
}

/// The text of an SMS: sentence, do-not-share warning when enabled, and the app hash line.
pub fn sms_text(parts: &MessageParts<'_>) -> String {
    if let Some(own) = parts.text {
        return own.to_owned();
    }
    let mut text = sentence(parts);
    if parts.do_not_share {
        text.push(' ');
        text.push_str(language(parts.locale).warning);
    }
    let text = match parts.app_hash {
        Some(hash) => format!("<#> {text}\n{hash}"),
        None => text,
    };
    match parts.web_otp_domain {
        Some(host) => format!("{text}\n\n@{host} #{}", parts.code),
        None => text,
    }
}

/// The text of a WhatsApp message (no warning or hash line; WhatsApp templates carry their own).
pub fn plain_text(parts: &MessageParts<'_>) -> String {
    parts.text.map_or_else(|| sentence(parts), str::to_owned)
}

/// Escapes text for XML.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// TwiML for a call: the sentence with the digits spoken one by one, said twice.
pub fn voice_twiml(parts: &MessageParts<'_>) -> String {
    let spoken: Vec<String> = parts.code.chars().map(String::from).collect();
    let spoken = spoken.join(", ");
    let lang = language(parts.locale);
    // A caller's own text (a test message) is said as it is.
    let said = xml_escape(&parts.text.map_or_else(|| sentence(&MessageParts { code: &spoken, ..*parts }), str::to_owned));
    format!(
        "<Response><Say language=\"{voice}\">{said}</Say><Pause length=\"1\"/><Say language=\"{voice}\">{said}</Say></Response>",
        voice = lang.voice
    )
}

/// An email: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    /// Subject line.
    pub subject: String,
    /// text/plain body.
    pub text: String,
    /// text/html body.
    pub html: String,
}

/// The email for a code.
pub fn email(parts: &MessageParts<'_>) -> EmailContent {
    let lang = language(parts.locale);
    let text = format!("{} {}", sentence(parts), lang.warning);
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body><p>{}</p><p style=\"font-size:28px;letter-spacing:4px\"><strong>{}</strong></p><p>{}</p></body></html>",
        lang.code,
        xml_escape(&sentence(parts)),
        xml_escape(parts.code),
        xml_escape(lang.warning)
    );
    EmailContent { subject: fill(lang.subject, parts.friendly_name, parts.code), text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(locale: Option<&'static str>) -> MessageParts<'static> {
        MessageParts { friendly_name: "Acme", code: "123456", locale, do_not_share: false, custom_message: None, app_hash: None, web_otp_domain: None, text: None }
    }

    #[test]
    fn every_language_fills_name_and_code() {
        assert_eq!(LANGUAGES.len(), 13);
        for lang in LANGUAGES {
            let p = MessageParts { do_not_share: true, ..parts(Some(lang.code)) };
            let text = sms_text(&p);
            assert!(text.contains("Acme") && text.contains("123456"), "{}: {text}", lang.code);
            assert!(text.contains(lang.warning), "{}", lang.code);
            assert!(email(&p).subject.contains("Acme"));
            assert!(!email(&p).subject.contains("123456"), "the code stays out of subjects (lock screens)");
        }
    }

    #[test]
    fn locales_resolve_by_language_with_english_fallback() {
        assert_eq!(sms_text(&parts(None)), "Your Acme verification code is: 123456.");
        assert_eq!(sms_text(&parts(Some("pt-BR"))), "O seu código de verificação Acme é: 123456.");
        assert_eq!(sms_text(&parts(Some("zh_CN"))), "您的Acme验证码是：123456。");
        assert_eq!(sms_text(&parts(Some("xx"))), sms_text(&parts(None)));
        assert_eq!(language(Some("ES")).code, "es");
    }

    #[test]
    fn warning_custom_message_and_app_hash() {
        let with_warning = MessageParts { do_not_share: true, ..parts(None) };
        assert_eq!(sms_text(&with_warning), "Your Acme verification code is: 123456. Don't share this code with anyone; our employees will never ask for the code.");
        let custom = MessageParts { custom_message: Some("Login code {{code}} for Acme"), ..parts(None) };
        assert_eq!(sms_text(&custom), "Login code 123456 for Acme");
        let hashed = MessageParts { app_hash: Some("FA+9qCX9VSu"), ..parts(None) };
        assert_eq!(sms_text(&hashed), "<#> Your Acme verification code is: 123456.\nFA+9qCX9VSu");
        assert_eq!(plain_text(&with_warning), "Your Acme verification code is: 123456.");
        let web_otp = MessageParts { web_otp_domain: Some("verify.example.com"), ..parts(None) };
        assert_eq!(sms_text(&web_otp), "Your Acme verification code is: 123456.\n\n@verify.example.com #123456");
        assert!(!plain_text(&web_otp).contains('@'), "only SMS carry the Web OTP line");
    }

    #[test]
    fn calls_spell_the_digits_twice_in_the_locale() {
        let twiml = voice_twiml(&MessageParts { friendly_name: "A&B", ..parts(Some("fr")) });
        assert_eq!(twiml.matches("1, 2, 3, 4, 5, 6").count(), 2);
        assert_eq!(twiml.matches("language=\"fr-FR\"").count(), 2);
        assert!(twiml.contains("A&amp;B"));
        assert!(!twiml.contains("123456"));
    }

    #[test]
    fn email_html_is_escaped() {
        let e = email(&MessageParts { friendly_name: "<b>x</b>", ..parts(None) });
        assert!(e.html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(e.text.contains("123456"));
    }
}
