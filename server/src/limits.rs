//! Rate limits (GCRA, from `governor`), keyed by phone, IP or username.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::state::Settings;

/// The server's rate limiters.
pub struct Limits {
    /// Login codes per phone.
    pub otp_phone: DefaultKeyedRateLimiter<String>,
    /// Login codes per IP.
    pub otp_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Public tracking per IP.
    pub track_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Staff login attempts per username.
    pub staff_login: DefaultKeyedRateLimiter<String>,
    /// Barcode photos read per IP.
    pub scan_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(count: u32, per: Duration) -> Quota {
    let n = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / n.get()).unwrap_or_else(|| Quota::per_second(n)).allow_burst(n)
}

impl Limits {
    /// Limiters with the configured quotas.
    pub fn new(s: &Settings) -> Self {
        Limits {
            otp_phone: RateLimiter::keyed(quota(s.otp_per_phone_per_hour, Duration::from_secs(3600))),
            otp_ip: RateLimiter::keyed(quota(s.otp_per_ip_per_hour, Duration::from_secs(3600))),
            track_ip: RateLimiter::keyed(quota(s.track_per_ip_per_minute, Duration::from_secs(60))),
            staff_login: RateLimiter::keyed(quota(s.staff_logins_per_15min, Duration::from_secs(900))),
            scan_ip: RateLimiter::keyed(quota(s.scans_per_ip_per_minute, Duration::from_secs(60))),
        }
    }

    /// Drops idle keys so memory stays bounded.
    pub fn shrink(&self) {
        self.otp_phone.retain_recent();
        self.otp_ip.retain_recent();
        self.track_ip.retain_recent();
        self.staff_login.retain_recent();
        self.scan_ip.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_hourly_quota_then_refusal() {
        let s = Settings { otp_per_phone_per_hour: 3, ..Settings::default() };
        let l = Limits::new(&s);
        let key = "+989121234567".to_string();
        for _ in 0..3 {
            assert!(l.otp_phone.check_key(&key).is_ok());
        }
        assert!(l.otp_phone.check_key(&key).is_err());
        assert!(l.otp_phone.check_key(&"+989121234568".to_string()).is_ok());
    }
}
