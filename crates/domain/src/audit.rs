//! Audit log hash chain (監査ログのハッシュチェーン).
//!
//! Each entry stores `hash = sha256_hex(prev_hash + "\n" + payload)` where `payload` is the
//! entry's canonical serialisation and `prev_hash` the previous entry's hash
//! ([`GENESIS_HASH`] for the first). Changing, removing or reordering an entry breaks every
//! later hash.

use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lowercase hex SHA-256 of `prev_hash + "\n" + payload`.
pub fn chain_hash(prev_hash: &str, payload: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(payload.as_bytes());
    hex::encode(h.finalize())
}

/// Verifies a chain of `(payload, stored_hash)` entries in order, starting from
/// [`GENESIS_HASH`]. Returns the index of the first entry whose stored hash does not match.
pub fn verify_chain<'a, I>(entries: I) -> Result<(), usize>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    verify_chain_from(GENESIS_HASH, entries)
}

/// Like [`verify_chain`], continuing from `prev_hash` (for verifying a tail of the log).
pub fn verify_chain_from<'a, I>(prev_hash: &str, entries: I) -> Result<(), usize>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut prev = prev_hash.to_string();
    for (i, (payload, stored)) in entries.into_iter().enumerate() {
        let expected = chain_hash(&prev, payload);
        if !expected.eq_ignore_ascii_case(stored) {
            return Err(i);
        }
        prev = expected;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf '%s\n%s' 000…000 x | sha256sum`
    const GENESIS_X: &str = "0152f4f98e11e409b35bfa9b5e18c329427b7f29deedbc071733db222ce38158";

    #[test]
    fn known_vector_and_chain() {
        let h = chain_hash(GENESIS_HASH, "");
        assert_eq!(h.len(), 64);
        assert_eq!(h, hex::encode(Sha256::digest(format!("{GENESIS_HASH}\n"))));
        // sha256("\n")
        assert_eq!(
            chain_hash("", ""),
            "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b"
        );
        assert_eq!(chain_hash(GENESIS_HASH, "x"), GENESIS_X);
        let payloads = ["a", "b", "c"];
        let mut hashes = Vec::new();
        let mut prev = GENESIS_HASH.to_string();
        for p in payloads {
            prev = chain_hash(&prev, p);
            hashes.push(prev.clone());
        }
        let ok: Vec<(&str, &str)> = payloads
            .iter()
            .copied()
            .zip(hashes.iter().map(String::as_str))
            .collect();
        assert_eq!(verify_chain(ok.clone()), Ok(()));
        let mut tampered = ok.clone();
        tampered[1].0 = "B";
        assert_eq!(verify_chain(tampered), Err(1));
        assert_eq!(verify_chain_from(&hashes[0], ok[1..].to_vec()), Ok(()));
    }
}
