//! Which UnifiedPush endpoints the server may call. A citizen chooses the endpoint URL, so an
//! unchecked one would let anyone make the server POST into the ministry's own network (SSRF).
//! Endpoints must be https and resolve only to public unicast addresses; the check runs at
//! registration and again at every delivery, where the HTTP client's resolver refuses private
//! answers itself (so a DNS answer that changes between check and connect cannot slip through).
//! `--push-allow-private-endpoints` lifts all of this for tests and closed networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Longest endpoint URL accepted.
pub const MAX_ENDPOINT_LEN: usize = 2048;

/// Why an endpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointProblem {
    /// Not a usable URL (field code `invalid_endpoint`).
    Invalid(String),
    /// A URL the server will not call (problem code `endpoint_not_allowed`).
    NotAllowed(String),
}

/// Whether `ip` is a public unicast address the server may connect to for a push: not
/// private, loopback, link-local, unique-local, multicast, unspecified, shared (CGNAT),
/// documentation, benchmarking or reserved; IPv4 embedded in IPv6 (mapped, SIIT, NAT64, 6to4)
/// is judged by the IPv4 inside, and Teredo (whose IPv4 is obfuscated) and local-use NAT64
/// are refused.
pub fn address_allowed(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4),
        IpAddr::V6(v6) => v6_allowed(v6),
    }
}

fn v4_allowed(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn v6_allowed(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_allowed(v4);
    }
    let seg = ip.segments();
    // NAT64 well-known prefix 64:ff9b::/96 carries an IPv4 address in its last 32 bits.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6].iter().all(|&s| s == 0) {
        return v4_allowed(Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8));
    }
    // IPv4-translated (SIIT) ::ffff:0:a.b.c.d carries one in its last 32 bits.
    if seg[..4].iter().all(|&s| s == 0) && seg[4] == 0xffff && seg[5] == 0 {
        return v4_allowed(Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8));
    }
    // 6to4 2002::/16 carries one in bits 16..48.
    if seg[0] == 0x2002 {
        return v4_allowed(Ipv4Addr::new((seg[1] >> 8) as u8, seg[1] as u8, (seg[2] >> 8) as u8, seg[2] as u8));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation 2001:db8::/32
        || (seg[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20
        || (seg[0] == 0x2001 && seg[1] < 0x0200) // IETF protocol assignments 2001::/23: Teredo (whose IPv4 is hidden), benchmarking, ORCHID, ...
        || (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1) // local-use NAT64 64:ff9b:1::/48
        || (seg[0] == 0x100 && seg[1..4].iter().all(|&s| s == 0)) // discard-only 100::/64
        || (seg[0] == 0 && seg[1..6].iter().all(|&s| s == 0))) // IPv4-compatible and other ::/80 forms
}

/// Parses and checks a UnifiedPush endpoint: https (http too with `allow_private`), no user
/// info, at most [`MAX_ENDPOINT_LEN`] characters, and unless `allow_private` a host that
/// resolves only to addresses [`address_allowed`] accepts.
pub async fn check_endpoint(raw: &str, allow_private: bool) -> Result<Url, EndpointProblem> {
    let url = parse_endpoint(raw, allow_private)?;
    if allow_private {
        return Ok(url);
    }
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => match tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port))).await {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(_)) | Err(_) => return Err(EndpointProblem::NotAllowed(format!("the endpoint's host {host:?} does not resolve"))),
        },
    };
    if addrs.is_empty() {
        return Err(EndpointProblem::NotAllowed(format!("the endpoint's host {host:?} has no address")));
    }
    if let Some(bad) = addrs.iter().find(|a| !address_allowed(a.ip())) {
        return Err(EndpointProblem::NotAllowed(format!("the endpoint resolves to a non-public address ({})", bad.ip())));
    }
    Ok(url)
}

/// The part of [`check_endpoint`] that needs no DNS, for delivery (where the client's
/// [`PublicOnlyResolver`] judges host names): the syntax, and an IP-literal host.
pub fn check_endpoint_offline(raw: &str, allow_private: bool) -> Result<Url, EndpointProblem> {
    let url = parse_endpoint(raw, allow_private)?;
    if !allow_private {
        if let Some(ip) = url.host_str().and_then(|h| h.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok()) {
            if !address_allowed(ip) {
                return Err(EndpointProblem::NotAllowed(format!("the endpoint is a non-public address ({ip})")));
            }
        }
    }
    Ok(url)
}

/// The syntactic part of [`check_endpoint`].
pub fn parse_endpoint(raw: &str, allow_private: bool) -> Result<Url, EndpointProblem> {
    if raw.len() > MAX_ENDPOINT_LEN {
        return Err(EndpointProblem::Invalid(format!("at most {MAX_ENDPOINT_LEN} characters")));
    }
    let url = Url::parse(raw.trim()).map_err(|e| EndpointProblem::Invalid(format!("not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(EndpointProblem::NotAllowed("push endpoints must use https".into())),
        other => return Err(EndpointProblem::Invalid(format!("unsupported scheme {other:?}: use https"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(EndpointProblem::Invalid("the URL has no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointProblem::Invalid("the URL must not carry a user name or password".into()));
    }
    Ok(url)
}

/// A resolver for the push client that fails a name with any non-public address, checked
/// at connect time (after any DNS change since registration).
#[derive(Debug, Default)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            if let Some(bad) = addrs.iter().find(|a| !address_allowed(a.ip())) {
                return Err(format!("{host} resolves to a non-public address ({})", bad.ip()).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classification() {
        for (addr, allowed) in [
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("93.184.216.34", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("127.0.0.1", false),
            ("127.255.0.9", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("172.32.0.1", true),
            ("192.168.1.1", false),
            ("169.254.169.254", false), // cloud metadata
            ("100.64.0.1", false),
            ("100.128.0.1", true),
            ("192.0.0.8", false),
            ("192.0.2.1", false),
            ("198.18.0.1", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("2001:4860:4860::8888", true),
            ("2a00:1450:4001:80b::200e", true),
            ("::", false),
            ("::1", false),
            ("fc00::1", false),
            ("fd12:3456::1", false),
            ("fe80::1", false),
            ("febf::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("2001:db8::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:8.8.8.8", true),
            ("::127.0.0.1", false),
            ("64:ff9b::a00:1", false),   // NAT64 of 10.0.0.1
            ("64:ff9b::808:808", true),  // NAT64 of 8.8.8.8
            ("2002:7f00:1::1", false),   // 6to4 of 127.0.0.1
            ("2002:808:808::1", true),   // 6to4 of 8.8.8.8
            ("::ffff:0:a00:1", false),   // SIIT of 10.0.0.1
            ("::ffff:0:808:808", true),  // SIIT of 8.8.8.8
            ("64:ff9b:1::a00:1", false), // local-use NAT64
            ("64:ff9b:1::808:808", false),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false), // Teredo
            ("2001:2::1", false),                            // benchmarking
            ("2001:200::1", true),                           // WIDE, just past 2001::/23
            ("3fff::1", false),
            ("100::1", false),
        ] {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(address_allowed(ip), allowed, "{addr}");
        }
    }

    #[tokio::test]
    async fn endpoints_must_be_public_https() {
        let not_allowed = |r: Result<Url, EndpointProblem>| matches!(r, Err(EndpointProblem::NotAllowed(_)));
        let invalid = |r: Result<Url, EndpointProblem>| matches!(r, Err(EndpointProblem::Invalid(_)));
        assert!(not_allowed(check_endpoint("http://push.example.org/x", false).await));
        assert!(not_allowed(check_endpoint("https://127.0.0.1/x", false).await));
        assert!(not_allowed(check_endpoint("https://[::1]:8443/x", false).await));
        assert!(not_allowed(check_endpoint("https://[::ffff:192.168.0.1]/x", false).await));
        assert!(not_allowed(check_endpoint("https://10.0.0.7:443/x", false).await));
        assert!(not_allowed(check_endpoint("https://localhost/x", false).await));
        assert!(invalid(check_endpoint("ftp://push.example.org/x", false).await));
        assert!(invalid(check_endpoint("https://user:pw@push.example.org/x", false).await));
        assert!(invalid(check_endpoint("not a url", false).await));
        assert!(invalid(check_endpoint(&format!("https://a.example/{}", "x".repeat(MAX_ENDPOINT_LEN)), false).await));
        // A public IP literal needs no DNS.
        assert!(check_endpoint("https://8.8.8.8/push/abc", false).await.is_ok());
        // With the escape hatch, loopback http is fine (the tests' fake push service).
        assert!(check_endpoint("http://127.0.0.1:9999/push/abc", true).await.is_ok());
        assert!(invalid(check_endpoint("ftp://127.0.0.1/x", true).await));
        assert!(not_allowed(check_endpoint_offline("https://[::ffff:169.254.169.254]/x", false)));
        assert!(check_endpoint_offline("https://push.example.org/x", false).is_ok());
    }
}
