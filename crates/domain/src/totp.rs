//! Time-based one-time passwords (RFC 6238, 二要素認証): HMAC-SHA1, 6 digits, 30-second steps —
//! the parameters every authenticator app accepts. Time comes in as a parameter.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::FieldError;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Steps accepted either side of now, for clocks that drift (RFC 6238 §5.2 suggests one).
pub const WINDOW: i64 = 1;

/// A shared TOTP secret (160 bits, RFC 4226's recommended length).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A secret from 20 random bytes (the caller owns the randomness).
    pub fn from_bytes(bytes: [u8; 20]) -> TotpSecret {
        TotpSecret(bytes.to_vec())
    }

    /// Parse the base32 form (as stored and as shown for manual entry; spaces and case ignored).
    pub fn parse_base32(s: &str) -> Option<TotpSecret> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .ok()?;
        (bytes.len() >= 10).then_some(TotpSecret(bytes))
    }

    /// Base32 without padding, e.g. for the otpauth URI and manual entry.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The 6-digit code for a time step.
    pub fn code_at_step(&self, step: i64) -> u32 {
        // HMAC accepts keys of any length, so new_from_slice cannot fail here.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            return 0;
        };
        mac.update(&step.to_be_bytes());
        let h = mac.finalize().into_bytes();
        let offset = usize::from(h[19] & 0x0f);
        let bin = (u32::from(h[offset]) & 0x7f) << 24
            | u32::from(h[offset + 1]) << 16
            | u32::from(h[offset + 2]) << 8
            | u32::from(h[offset + 3]);
        bin % 1_000_000
    }

    /// The code for a moment (Unix seconds), formatted with leading zeros.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        format!("{:06}", self.code_at_step(step_of(unix_seconds)))
    }

    /// Check a typed code at `unix_seconds`. Returns the matched step, which the caller stores:
    /// a step at or before `last_used_step` is refused, so a code works once (RFC 6238 §5.2).
    pub fn verify(
        &self,
        typed: &str,
        unix_seconds: i64,
        last_used_step: Option<i64>,
    ) -> Option<i64> {
        let code = parse_code(typed).ok()?;
        let now = step_of(unix_seconds);
        (now - WINDOW..=now + WINDOW)
            .filter(|s| last_used_step.is_none_or(|last| *s > last))
            .find(|s| self.code_at_step(*s) == code)
    }

    /// `otpauth://` URI for the QR code an authenticator app scans.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(b).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            self.to_base32(),
            enc(issuer)
        )
    }
}

/// The time step containing a moment.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// A typed 6-digit code: full-width digits and spaces are accepted (IME input).
pub fn parse_code(typed: &str) -> Result<u32, FieldError> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            "code",
            "totp_format",
            "確認コードは6桁の数字で入力してください",
            "Enter the 6-digit code",
        ));
    }
    digits.parse().map_err(|_| {
        FieldError::new(
            "code",
            "totp_format",
            "確認コードは6桁の数字で入力してください",
            "Enter the 6-digit code",
        )
    })
}

/// Recovery codes are shown as `xxxxx-xxxxx`; typed ones are compared without case, spaces or
/// hyphens.
pub fn normalize_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        let mut b = [0u8; 20];
        b.copy_from_slice(b"12345678901234567890");
        TotpSecret::from_bytes(b)
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        // Appendix B, truncated to 6 digits (the last six of the 8-digit values).
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(rfc_secret().code_at(t), code, "t={t}");
        }
    }

    #[test]
    fn window_and_replay() {
        let s = rfc_secret();
        let t = 1_234_567_890;
        let code = s.code_at(t);
        let step = s.verify(&code, t, None).unwrap();
        assert_eq!(
            s.verify(&code, t + 30, None),
            Some(step),
            "one step late is fine"
        );
        assert_eq!(
            s.verify(&code, t + 90, None),
            None,
            "three steps late is not"
        );
        assert_eq!(
            s.verify(&code, t, Some(step)),
            None,
            "a used code is refused"
        );
        assert_eq!(s.verify("000000x", t, None), None);
        let fw: String = code
            .chars()
            .map(|c| char::from_u32(u32::from(c) - 0x30 + 0xFF10).unwrap())
            .collect();
        assert_eq!(s.verify(&fw, t, None), Some(step), "full-width digits");
    }

    #[test]
    fn base32_round_trip_and_uri() {
        let s = rfc_secret();
        let b = s.to_base32();
        assert_eq!(b, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::parse_base32(&b.to_lowercase()), Some(s.clone()));
        assert_eq!(TotpSecret::parse_base32("not base32!"), None);
        let uri = s.otpauth_uri("tsunagu 高知", "kochi.advisor");
        assert!(
            uri.starts_with("otpauth://totp/tsunagu%20%E9%AB%98"),
            "{uri}"
        );
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQ"));
        assert_eq!(normalize_recovery_code(" AB12c-dE34f "), "ab12cde34f");
    }
}
