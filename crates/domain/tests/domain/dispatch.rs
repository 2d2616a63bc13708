//! Coordinator dispatch: ranking, pairs and batch assignment (`domain::dispatch`).
//!
//! Unit examples in a 高知県 setting (高知市 392014, 南国市 392049), property tests against
//! brute force and greedy, and an ignored timing test:
//! `cargo test -p tsunagu-domain --release -- --ignored dispatch_timing --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use domain::dispatch::{
    assign_batch, exclusions, is_eligible, pair_bonus, rank, rank_pairs, score, Assigned,
    Assignment, Availability, CoordinatorProfile, DispatchRequest, DispatchRequestId, Exclusion,
    PairReason, RawWeights, Reason, Side, SidesNeeded, TopicCode, UnassignedReason, Urgency,
    Weights,
};
use domain::ids::{ChildId, CoordinatorId};
use domain::municipality::{self, MunicipalityCode};
use domain::vocab::{VocabCode, VocabKind};
use domain::Lang;
use proptest::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

mod examples;
mod properties;
mod timing;

const KOCHI: &str = "392014";
const NANKOKU: &str = "392049";
const KOCHI_PREF: &str = "390003";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn uid(n: u128) -> CoordinatorId {
    CoordinatorId(Uuid::from_u128(n))
}

fn child(n: u128) -> ChildId {
    ChildId(Uuid::from_u128(0xC000 + n))
}

fn rid(n: u128) -> DispatchRequestId {
    DispatchRequestId(Uuid::from_u128(0xD000 + n))
}

fn muni(code: &str) -> MunicipalityCode {
    MunicipalityCode::parse("municipality_code", code).unwrap()
}

fn prof(code: &str) -> VocabCode {
    VocabCode::parse(VocabKind::Profession, "profession", code).unwrap()
}

fn topic(code: &str) -> TopicCode {
    TopicCode::parse("topic", code).unwrap()
}

/// An active coordinator with capacity 5, no cases, no history.
fn coord(id: u128, professions: &[&str], covers: &[&str]) -> CoordinatorProfile {
    CoordinatorProfile {
        id: uid(id),
        professions: professions.iter().map(|p| prof(p)).collect(),
        covers: covers.iter().map(|c| muni(c)).collect(),
        topics: Vec::new(),
        max_active_cases: 5,
        active_cases: 0,
        availability: Availability::Active,
        recent_dispatches: 0,
        affiliation: None,
        past_families: Vec::new(),
    }
}

fn request(id: u128, child_n: u128, at: &str, sides: SidesNeeded) -> DispatchRequest {
    DispatchRequest {
        id: rid(id),
        child_id: child(child_n),
        municipality: muni(at),
        topics: Vec::new(),
        sides,
        urgency: Urgency::Routine,
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

const MUNIS: &[&str] = &[KOCHI, NANKOKU, "392031", "011011"];
const COVERS: &[&str] = &[KOCHI, NANKOKU, "392031", KOCHI_PREF, "011002", "010006"];
const PROFS: &[&str] = &[
    "nurse",
    "public_health_nurse",
    "social_worker",
    "consultation_specialist",
    "teacher",
];
const TOPICS: &[&str] = &["tube_feeding_gastric", "suction", "school", "short_stay"];

fn pick<'a>(pool: &[&'a str], mask: u8) -> Vec<&'a str> {
    pool.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

prop_compose! {
    fn arb_coord(id: u128)(
        profs in 0u8..32,
        covers in 0u8..64,
        topics in 0u8..16,
        max in 0u32..4,
        active in 0u32..4,
        avail in 0u8..6,
        recent in 0u32..15,
        aff in proptest::option::of(0usize..4),
        fam in proptest::collection::vec((0u128..3, 2020i32..2027), 0..3),
    ) -> CoordinatorProfile {
        let mut c = coord(id, &pick(PROFS, profs), &pick(COVERS, covers));
        c.topics = pick(TOPICS, topics).into_iter().map(topic).collect();
        c.max_active_cases = max;
        c.active_cases = active;
        c.availability = match avail {
            0 => Availability::Inactive,
            1 => Availability::OnLeave { until: today() },
            2 => Availability::OnLeave { until: today() - chrono::Duration::days(1) },
            _ => Availability::Active,
        };
        c.recent_dispatches = recent;
        c.affiliation = aff.map(|i| muni(MUNIS[i]));
        c.past_families = fam
            .into_iter()
            .map(|(ch, year)| domain::dispatch::PastFamily { child_id: child(ch), year })
            .collect();
        c
    }
}

prop_compose! {
    fn arb_request(id: u128, both: bool)(
        ch in 0u128..3,
        at in 0usize..4,
        topics in 0u8..16,
        side in 0u8..3,
        urgency in 0u8..3,
    ) -> DispatchRequest {
        let sides = match (side, both) {
            (0, _) => SidesNeeded::Medical,
            (1, _) => SidesNeeded::Welfare,
            (_, true) => SidesNeeded::Both,
            (_, false) => SidesNeeded::Medical,
        };
        let mut r = request(id, ch, MUNIS[at], sides);
        r.topics = pick(TOPICS, topics).into_iter().map(topic).collect();
        r.urgency = match urgency { 0 => Urgency::Routine, 1 => Urgency::Soon, _ => Urgency::Urgent };
        r
    }
}

fn arb_coords(max: usize) -> impl Strategy<Value = Vec<CoordinatorProfile>> {
    (1..=max).prop_flat_map(|n| (0..n).map(|i| arb_coord(i as u128 + 1)).collect::<Vec<_>>())
}

fn arb_requests(max: usize, both: bool) -> impl Strategy<Value = Vec<DispatchRequest>> {
    (1..=max).prop_flat_map(move |n| {
        (0..n)
            .map(|i| arb_request(i as u128 + 1, both))
            .collect::<Vec<_>>()
    })
}

fn arb_weights() -> impl Strategy<Value = Weights> {
    (0u8..5, 0u8..5, 0u8..5, 0u8..5, 0u8..5, 0u8..5, 0u8..5).prop_map(|(t, c, l, f, a, p, u)| {
        let raw = RawWeights {
            topic: f64::from(t) * 0.5 + 0.25,
            continuity: f64::from(c) * 0.5,
            load: f64::from(l) * 0.5,
            fairness: f64::from(f) * 0.5,
            affiliation: f64::from(a) * 0.5,
            pair: f64::from(p) * 0.5,
            urgency: f64::from(u) * 0.5,
        };
        Weights::parse(raw).unwrap()
    })
}

fn has_side(c: &CoordinatorProfile, s: Side) -> bool {
    c.has_side(s)
}

/// Feasibility of a batch: hard rules, sides, distinct pair members, capacities, values.
fn check_assignment(
    a: &Assignment,
    requests: &[DispatchRequest],
    coords: &[CoordinatorProfile],
    w: &Weights,
) {
    let by_id: HashMap<CoordinatorId, &CoordinatorProfile> =
        coords.iter().map(|c| (c.id, c)).collect();
    let reqs: HashMap<DispatchRequestId, &DispatchRequest> =
        requests.iter().map(|r| (r.id, r)).collect();
    let mut used: HashMap<CoordinatorId, u32> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0u64;
    for line in &a.lines {
        assert!(seen.insert(line.request), "request assigned twice");
        let r = reqs[&line.request];
        let urg = u64::from(w.urgency_points(r.urgency));
        let s = match line.assigned {
            Assigned::One { coordinator } => {
                assert_ne!(r.sides, SidesNeeded::Both);
                let c = by_id[&coordinator];
                assert!(exclusions(r, c, today()).is_empty());
                *used.entry(coordinator).or_default() += 1;
                score(r, c, w, today()).unwrap()
            }
            Assigned::Pair { medical, welfare } => {
                assert_eq!(r.sides, SidesNeeded::Both);
                assert_ne!(medical, welfare);
                let (m, wf) = (by_id[&medical], by_id[&welfare]);
                assert!(exclusions(r, m, today()).is_empty() && has_side(m, Side::Medical));
                assert!(exclusions(r, wf, today()).is_empty() && has_side(wf, Side::Welfare));
                *used.entry(medical).or_default() += 1;
                *used.entry(welfare).or_default() += 1;
                score(r, m, w, today()).unwrap()
                    + score(r, wf, w, today()).unwrap()
                    + pair_bonus(r, m, wf, w)
            }
        };
        assert_eq!(line.score, s);
        assert_eq!(line.value, u64::from(s) + urg);
        total += line.value;
    }
    for u in &a.unassigned {
        assert!(
            seen.insert(u.request),
            "request both assigned and unassigned"
        );
    }
    assert_eq!(seen.len(), requests.len());
    for (id, n) in used {
        assert!(n <= by_id[&id].remaining_capacity(), "capacity exceeded");
    }
    assert_eq!(a.total_value, total);
    assert!(a.total_value <= a.upper_bound);
    assert_eq!(a.proven_optimal, a.total_value == a.upper_bound);
}

/// Every option of one request: (value, people).
fn options(
    r: &DispatchRequest,
    coords: &[CoordinatorProfile],
    w: &Weights,
) -> Vec<(u64, Vec<usize>)> {
    let urg = u64::from(w.urgency_points(r.urgency));
    let mut out = Vec::new();
    match r.sides {
        SidesNeeded::Both => {
            for (i, m) in coords.iter().enumerate() {
                for (j, wf) in coords.iter().enumerate() {
                    if i != j
                        && is_eligible(r, m, today())
                        && is_eligible(r, wf, today())
                        && m.has_side(Side::Medical)
                        && wf.has_side(Side::Welfare)
                    {
                        let v = score(r, m, w, today()).unwrap()
                            + score(r, wf, w, today()).unwrap()
                            + pair_bonus(r, m, wf, w);
                        out.push((u64::from(v) + urg, vec![i, j]));
                    }
                }
            }
        }
        _ => {
            for (i, c) in coords.iter().enumerate() {
                if let Some(s) = score(r, c, w, today()) {
                    out.push((u64::from(s) + urg, vec![i]));
                }
            }
        }
    }
    out
}

fn brute_force(requests: &[DispatchRequest], coords: &[CoordinatorProfile], w: &Weights) -> u64 {
    fn go(k: usize, opts: &[Vec<(u64, Vec<usize>)>], caps: &mut [u32]) -> u64 {
        if k == opts.len() {
            return 0;
        }
        let mut best = go(k + 1, opts, caps);
        for (v, people) in &opts[k] {
            if people.iter().all(|&p| caps[p] > 0) {
                for &p in people {
                    caps[p] -= 1;
                }
                best = best.max(v + go(k + 1, opts, caps));
                for &p in people {
                    caps[p] += 1;
                }
            }
        }
        best
    }
    let opts: Vec<_> = requests.iter().map(|r| options(r, coords, w)).collect();
    let mut caps: Vec<u32> = coords.iter().map(|c| c.remaining_capacity()).collect();
    go(0, &opts, &mut caps)
}

/// Take the highest-value (request, coordinator) edge that still fits, repeatedly.
fn greedy(requests: &[DispatchRequest], coords: &[CoordinatorProfile], w: &Weights) -> u64 {
    let mut edges: Vec<(u64, usize, Vec<usize>)> = Vec::new();
    for (k, r) in requests.iter().enumerate() {
        for (v, people) in options(r, coords, w) {
            edges.push((v, k, people));
        }
    }
    edges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut caps: Vec<u32> = coords.iter().map(|c| c.remaining_capacity()).collect();
    let mut done = vec![false; requests.len()];
    let mut total = 0;
    for (v, k, people) in edges {
        if !done[k] && people.iter().all(|&p| caps[p] > 0) {
            done[k] = true;
            for p in people {
                caps[p] -= 1;
            }
            total += v;
        }
    }
    total
}
