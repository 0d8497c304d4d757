//! A service's channel fallback (`Fallback.Channel`, `Fallback.AfterSeconds`): a verification
//! still pending some seconds after an SMS gets the same code once more by voice or WhatsApp, as
//! Vonage's workflows do. This is the setting; `verification::fallback` sends it.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::ApiError;
use crate::input::{Input, Naming, Patch};
use crate::spec::service::{FALLBACK_AFTER, FALLBACK_CHANNEL};

/// Seconds after an SMS when `Fallback.AfterSeconds` is not given.
pub const DEFAULT_AFTER_SECONDS: u32 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Fallback"))]
pub struct FallbackSettings {
    /// `call` or `whatsapp`; `null`: no fallback.
    pub channel: Option<Channel>,
    /// Seconds after the last SMS (10 to 3600).
    pub after_seconds: u32,
}

impl Default for FallbackSettings {
    fn default() -> Self {
        Self { channel: None, after_seconds: DEFAULT_AFTER_SECONDS }
    }
}

/// The fallback settings a create or update request gives; everything absent is kept (an
/// empty `Fallback.Channel` switches the fallback off, an empty delay restores the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackUpdate {
    channel: Patch<Channel>,
    after_seconds: Patch<u32>,
}

impl FallbackUpdate {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let channel = match input.raw_text(&FALLBACK_CHANNEL)? {
            None => Patch::Keep,
            Some("") => Patch::Clear,
            Some(_) => match input.choice(&FALLBACK_CHANNEL)? {
                Some("call") => Patch::Set(Channel::Call),
                Some("whatsapp") => Patch::Set(Channel::Whatsapp),
                _ => return Err(input.invalid(&FALLBACK_CHANNEL, "must be call or whatsapp")),
            },
        };
        let after_seconds = match input.integer_patch(&FALLBACK_AFTER)? {
            Patch::Set(n) => Patch::Set(u32::try_from(n).map_err(|_| input.invalid(&FALLBACK_AFTER, "is out of range"))?),
            Patch::Clear => Patch::Clear,
            Patch::Keep => Patch::Keep,
        };
        Ok(Self { channel, after_seconds })
    }

    pub fn apply(self, settings: &mut FallbackSettings) {
        self.channel.apply(&mut settings.channel);
        let mut after = Some(settings.after_seconds);
        self.after_seconds.apply(&mut after);
        settings.after_seconds = after.unwrap_or(DEFAULT_AFTER_SECONDS);
    }
}

/// Refuses a fallback switched on or changed to a delay the deployment's verifications never
/// reach (`VERIFICATION_LIFETIME_SECONDS`): it would never be sent. It is due a whole second
/// after the delay and must come before the expiry, so the delay is at most the lifetime less
/// two seconds. A setting left as it was stays accepted (the lifetime may have been shortened
/// since).
pub fn within_lifetime(settings: &FallbackSettings, before: &FallbackSettings, lifetime_seconds: u64, naming: Naming) -> Result<(), ApiError> {
    let longest = lifetime_seconds.saturating_sub(2);
    if settings == before || settings.channel.is_none() || u64::from(settings.after_seconds) <= longest {
        return Ok(());
    }
    Err(ApiError::OutOfDeployment {
        name: match naming {
            Naming::Wire => FALLBACK_AFTER.wire,
            Naming::Field => FALLBACK_AFTER.field,
        }
        .to_owned(),
        detail: format!("must be at most {longest} s: a verification lives {lifetime_seconds} s on this deployment, and a longer delay never comes"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    fn update(settings: &mut FallbackSettings, pairs: &[(&str, &str)]) -> Result<(), ApiError> {
        let body = Body::Form(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        FallbackUpdate::parse(&body.input(Naming::Wire))?.apply(settings);
        Ok(())
    }

    #[test]
    fn sets_keeps_and_clears() {
        let mut s = FallbackSettings::default();
        update(&mut s, &[("Fallback.Channel", "call"), ("Fallback.AfterSeconds", "30")]).unwrap();
        assert_eq!(s, FallbackSettings { channel: Some(Channel::Call), after_seconds: 30 });
        update(&mut s, &[("FriendlyName", "x")]).unwrap();
        assert_eq!(s, FallbackSettings { channel: Some(Channel::Call), after_seconds: 30 }, "absent: kept");
        update(&mut s, &[("Fallback.Channel", "whatsapp")]).unwrap();
        assert_eq!(s.channel, Some(Channel::Whatsapp));
        update(&mut s, &[("Fallback.Channel", ""), ("Fallback.AfterSeconds", "")]).unwrap();
        assert_eq!(s, FallbackSettings::default());
    }

    #[test]
    fn refuses_other_channels_and_delays_naming_them() {
        for (name, value) in [("Fallback.Channel", "sms"), ("Fallback.Channel", "email"), ("Fallback.Channel", "CALL"), ("Fallback.AfterSeconds", "9"), ("Fallback.AfterSeconds", "3601"), ("Fallback.AfterSeconds", "soon")] {
            let err = update(&mut FallbackSettings::default(), &[(name, value)]).unwrap_err();
            assert_eq!((err.status(), err.parameter()), (400, Some(name)), "{name}={value}");
        }
    }
}
