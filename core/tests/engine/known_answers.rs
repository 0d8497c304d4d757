//! Known answers: what the core computes for fixed inputs, byte for byte. The host tests assert
//! them (`engine` test binary) and so does the worker's wasm32 test (`tests/wasm.rs`, under
//! node), so code derivation, digests, SIDs, target names and dates cannot drift between the
//! native build and the wasm the worker runs.

use edge_verify_core::code::CodeKey;
use edge_verify_core::identity::principal::secret_digest;
use edge_verify_core::input::{Body, Naming};
use edge_verify_core::sid::{Rng, ServiceSid, VerificationSid};
use edge_verify_core::spec::service::FRIENDLY_NAME;
use edge_verify_core::time::Timestamp;
use edge_verify_core::verify::verification::target::TargetKey;

struct Steps(std::cell::Cell<u8>);
impl Rng for Steps {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.get();
            self.0.set(self.0.get().wrapping_add(37));
        }
    }
}

/// `(what, computed, expected)` for each known answer.
pub fn known_answers() -> Vec<(&'static str, String, &'static str)> {
    let key = CodeKey::new("known-answer-key-0001").unwrap_or_else(|| std::process::abort());
    let targets = TargetKey::new(&key).unwrap_or_else(|| std::process::abort());
    let sid = VerificationSid::example();
    let target = targets.target(&ServiceSid::example(), "+14155550100");
    let new_sid = targets.new_sid(&target, &Steps(std::cell::Cell::new(3)));
    let form = Body::from_request(Some("application/x-www-form-urlencoded"), b"FriendlyName=Caf%C3%A9+%E6%9D%B1%E4%BA%AC").unwrap_or_default();
    vec![
        ("six-digit code", key.derive_code(b"seed-0001", 6), "584060"),
        ("ten-digit code", key.derive_code(b"seed-0002", 10), "8875293878"),
        ("code digest", key.digest(&sid, "123456"), "012924907fbc0ab12445f6c082077c0caf60cc135345c33224ab72e869e037bf"),
        ("webhook signature", CodeKey::sign_webhook("whsec", 1_700_000_000, b"{}"), "7d44587dddbaf4c7f70fef20f48cd594834ffea1641e3ac227b84408298738af"),
        ("secret digest", secret_digest("s3cret"), "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"),
        ("target name", target.name(), "cc3cc9a26873f30ea753bf75"),
        ("new SID", new_sid.to_string(), "VE415d604455627734020824635d81ad16"),
        ("SID names its target", (targets.target_of(&new_sid) == target).to_string(), "true"),
        ("ISO date", Timestamp::from_unix_seconds(1_700_000_000).iso8601().to_string(), "2023-11-14T22:13:20Z"),
        ("RFC 2822 date", Timestamp::from_unix_seconds(951_782_400).rfc2822().to_string(), "Tue, 29 Feb 2000 00:00:00 +0000"),
        ("form text", form.input(Naming::Wire).text(&FRIENDLY_NAME).ok().flatten().unwrap_or_default(), "Café 東京"),
        ("SID normalised", ServiceSid::parse("VAABCDEF0123456789ABCDEF0123456789").map(|s| s.to_string()).unwrap_or_default(), "VAabcdef0123456789abcdef0123456789"),
    ]
}
