//! What the reverse proxy in front of the server says about a request. Believed only with
//! `--trust-forwarded-for` (the callers check it): the client's address for the rate limits,
//! and whether it came over https for the cookies.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The last address in the `X-Forwarded-For` headers (all lines, in order), if it is one: the
/// hop our proxy added, not what the client wrote before it.
pub fn last_forwarded_hop(headers: &HeaderMap) -> Option<IpAddr> {
    let last_line = headers.get_all("x-forwarded-for").iter().next_back()?;
    last_line.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_proxys_hop_is_believed_not_what_the_client_wrote() {
        for (lines, expected) in [
            (&["203.0.113.7"][..], Some("203.0.113.7")),
            (&["1.2.3.4, 203.0.113.7"][..], Some("203.0.113.7")),   // the client forged 1.2.3.4
            (&["1.2.3.4", "203.0.113.7"][..], Some("203.0.113.7")), // a proxy that adds a line
            (&["1.2.3.4, 2001:db8::1"][..], Some("2001:db8::1")),
            (&["1.2.3.4, not-an-ip"][..], None),
            (&[][..], None),
        ] {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append("x-forwarded-for", HeaderValue::from_static(line));
            }
            let got = last_forwarded_hop(&headers);
            assert_eq!(got, expected.map(|e| e.parse().unwrap()), "{lines:?}");
        }
    }
}
