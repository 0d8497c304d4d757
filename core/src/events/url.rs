//! Which receiver URLs a webhook may have: https to a public host. Loopback, private,
//! link-local, carrier-grade NAT, multicast and unspecified addresses (as IP literals, in any
//! form a URL parser reads as one, and `localhost`) are refused unless `DEV_MODE=true`, which
//! also allows plain http to a loopback address (for local tests). A host name that resolves to
//! a private address cannot be judged here; Workers' `fetch` does not reach private networks.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest receiver URL.
pub const MAX_URL: usize = 2048;

fn v4_is_private(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..=127).contains(&b))
        // Benchmarking (198.18.0.0/15) and IETF protocol assignments (192.0.0.0/24).
        || (a == 198 && (18..=19).contains(&b))
        || (a == 192 && b == 0 && ip.octets().get(2) == Some(&0))
        || a >= 240
}

fn v6_is_private(ip: Ipv6Addr) -> bool {
    let first = ip.segments().first().copied().unwrap_or(0);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_is_private(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || ip.segments().iter().take(6).all(|s| *s == 0)
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach IPv4 addresses: judged as IPv4 would
        // be, so refused outright (a public IPv4 receiver has its own address).
        || ip.segments().get(..6) == Some(&[0x64, 0xff9b, 0, 0, 0, 0])
        || first == 0x2002
        // Local-use NAT64 (64:ff9b:1::/48), SIIT (::ffff:0:0:0/96), Teredo (2001::/32), the
        // discard prefix (100::/64) and documentation (2001:db8::/32).
        || ip.segments().get(..3) == Some(&[0x64, 0xff9b, 1])
        || ip.segments().get(..6) == Some(&[0, 0, 0, 0, 0xffff, 0])
        || ip.segments().get(..2) == Some(&[0x2001, 0])
        || ip.segments().get(..4) == Some(&[0x100, 0, 0, 0])
        || ip.segments().get(..2) == Some(&[0x2001, 0xdb8])
}

/// What the host of a URL is.
#[derive(Debug, PartialEq, Eq)]
enum Host {
    Name,
    Loopback,
    Private,
}

fn classify(host: &str) -> Result<Host, &'static str> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr = inner.parse().map_err(|_| "must name a valid IPv6 address between [ ]")?;
        return Ok(if ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v| v.is_loopback()) {
            Host::Loopback
        } else if v6_is_private(ip) {
            Host::Private
        } else {
            Host::Name
        });
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let labels_ok = !host.is_empty()
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !labels_ok {
        return Err("must name a host (letters, digits, - and .)");
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return Ok(Host::Loopback);
    }
    // A URL parser reads a host whose last label is a number (decimal, or 0x hex) as an IPv4
    // address, in forms such as 2130706433 or 0x7f.1: only the dotted quad is accepted.
    let last = host.rsplit('.').next().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    if numeric {
        let ip: Ipv4Addr = host.parse().map_err(|_| "must be a host name or an IPv4 address in dotted form (a.b.c.d)")?;
        return Ok(if ip.is_loopback() { Host::Loopback } else if v4_is_private(ip) { Host::Private } else { Host::Name });
    }
    Ok(Host::Name)
}

/// Checks a receiver URL; the error completes "WebhookUrl ...".
pub fn check(url: &str, dev_mode: bool) -> Result<(), &'static str> {
    if url.len() > MAX_URL {
        return Err("must be at most 2048 characters");
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace() || !c.is_ascii()) || url.contains('#') {
        return Err("must be an ASCII URL without spaces, control characters or a #fragment");
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = match (lower.strip_prefix("https://"), lower.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err("must be an https:// URL"),
    };
    let authority = rest.split(['/', '?', '\\']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not carry a user or password");
    }
    if authority.contains('%') {
        return Err("must name its host without percent-encoding");
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && (!host.starts_with('[') || host.ends_with(']')) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u32>().map_or(true, |p| p == 0 || p > 65_535) {
                return Err("must have a port of 1 to 65535");
            }
            host
        }
        _ => authority,
    };
    let kind = classify(host)?;
    match (https, dev_mode, kind) {
        (false, true, Host::Loopback) | (true, true, _) | (true, false, Host::Name) => Ok(()),
        (false, _, _) => Err("must be an https:// URL (http only to a loopback address with DEV_MODE=true)"),
        (true, false, _) => Err("must not point at a loopback, private or link-local address (allowed only with DEV_MODE=true)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_takes_https_to_public_hosts_only() {
        for good in ["https://hooks.example.com/edge-verify", "https://hooks.example.com:8443/x?y=1", "https://93.184.216.34/x", "https://[2606:4700::1111]/", "HTTPS://Hooks.Example.com/"] {
            assert_eq!(check(good, false), Ok(()), "{good}");
        }
        for bad in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://api.localhost/",
            "https://127.0.0.1/",
            "https://[64:ff9b::7f00:1]/",
            "https://[2002:7f00:1::]/",
            "https://127.1.2.3:8080/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://198.18.0.1/",
            "https://192.0.0.8/",
            "https://[::ffff:0:7f00:1]/",
            "https://[64:ff9b:1::a00:1]/",
            "https://[2001:0:4136:e378::1]/",
            "https://[100::1]/",
            "https://[2001:db8::1]/",
            "https://user:pw@hooks.example.com/",
            "https://hooks.example.com:0/",
            "https://hooks.example.com:99999/",
            "https://hooks.example.com/a b",
            "https://hooks.example.com/#x",
            "https://hook%2eexample.com/",
            "https:///path",
            "https://ex_ample.com/",
        ] {
            assert!(check(bad, false).is_err(), "{bad} must be refused");
        }
        assert!(check(&format!("https://a.example.com/{}", "x".repeat(2048)), false).is_err());
    }

    #[test]
    fn dev_mode_allows_loopback_and_private_but_http_only_to_loopback() {
        for good in ["http://127.0.0.1:8123/hook", "http://localhost:9000/", "http://[::1]:9000/", "https://10.0.0.1/", "https://localhost/"] {
            assert_eq!(check(good, true), Ok(()), "{good}");
        }
        for bad in ["http://10.0.0.1/", "http://hooks.example.com/", "http://2130706433/"] {
            assert!(check(bad, true).is_err(), "{bad}");
        }
    }
}
