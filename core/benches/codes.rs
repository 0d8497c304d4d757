//! Native micro-benchmark of the code path a verification takes: deriving a code from a seed,
//! digesting it, checking a typed code against the digest, and naming a target and a SID.
//! `cargo bench -p edge-verify-core --bench codes` (part of `make bench`).

use divan::{black_box, Bencher};
use edge_verify_core::code::CodeKey;
use edge_verify_core::sid::{Rng, ServiceSid, VerificationSid};
use edge_verify_core::verify::verification::target::TargetKey;

fn main() {
    divan::main();
}

struct Fixed;
impl Rng for Fixed {
    fn fill(&self, buf: &mut [u8]) {
        buf.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
    }
}

fn key() -> CodeKey {
    CodeKey::new("bench-code-hmac-key-0000000000").unwrap_or_else(|| std::process::abort())
}

#[divan::bench]
fn derive_code(b: Bencher) {
    let key = key();
    b.bench(|| key.derive_code(black_box(b"0123456789abcdef0123456789abcdef"), 6));
}

#[divan::bench]
fn check_code(b: Bencher) {
    let key = key();
    let sid = VerificationSid::example();
    let digest = key.digest(&sid, "123456");
    b.bench(|| key.matches(black_box(&sid), black_box("123457"), &digest));
}

#[divan::bench]
fn start_then_check(b: Bencher) {
    // What one start+check pair computes: target, SID, code, digest; then a check.
    let key = key();
    let targets = TargetKey::new(&key).unwrap_or_else(|| std::process::abort());
    let service = ServiceSid::example();
    b.bench(|| {
        let target = targets.target(black_box(&service), black_box("+14155550100"));
        let sid = targets.new_sid(&target, &Fixed);
        let code = key.derive_code(b"0123456789abcdef0123456789abcdef", 6);
        let digest = key.digest(&sid, &code);
        key.matches(&sid, &code, &digest) && targets.target_of(&sid) == target
    });
}
