//! `tsunagu bench dispatch`: the coordinator-matching algorithms (`domain::dispatch`) on a
//! synthetic prefecture — ranking one request over N coordinators and the batch assignment of
//! M requests — each reported with a ratio to a baseline measured in the same run.
//!
//! Baselines: for ranking, one pass over the same profiles that touches each once (remaining
//! capacity and coverage count — the least any ranking must read); for the batch, ranking every
//! request of the batch once (what an advisor gets by looking at each request on its own).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::dispatch::{
    assign_batch, rank, Availability, CoordinatorProfile, DispatchRequest, DispatchRequestId,
    PastFamily, SidesNeeded, TopicCode, Urgency, Weights,
};
use domain::ids::{ChildId, CoordinatorId};
use domain::municipality::{self, MunicipalityCode};
use domain::vocab::{VocabCode, VocabKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// 高知県: the synthetic coordinators and families live in its 34 municipalities.
const PREFECTURE: &str = "390003";
const PROFESSIONS: &[&str] = &[
    "nurse",
    "public_health_nurse",
    "doctor",
    "social_worker",
    "consultation_specialist",
    "childcare_worker",
    "teacher",
];
const TOPICS: &[&str] = &[
    "tube_feeding_gastric",
    "suction",
    "ventilator",
    "school",
    "short_stay",
    "welfare_service",
    "disaster",
];

/// Sizes of one run.
#[derive(Clone, Copy, Debug)]
pub struct DispatchSizes {
    /// Coordinators for the ranking.
    pub rank_coordinators: usize,
    /// Requests in the batch.
    pub batch_requests: usize,
    /// Coordinators for the batch.
    pub batch_coordinators: usize,
    /// Percentage of batch requests that need both sides.
    pub pair_percent: u32,
    /// Repetitions of the ranking (the median is reported).
    pub repeats: usize,
}

/// A synthetic instance: coordinators and requests, deterministic for a seed.
pub struct Instance {
    /// Coordinators.
    pub coordinators: Vec<CoordinatorProfile>,
    /// Requests.
    pub requests: Vec<DispatchRequest>,
}

fn code<T>(r: Result<T, domain::FieldError>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("bench data: {}", e.en))
}

/// Build `coordinators` profiles and `requests` requests in 高知県 from `seed`.
pub fn instance(
    coordinators: usize,
    requests: usize,
    pair_percent: u32,
    seed: u64,
) -> anyhow::Result<Instance> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let munis: Vec<MunicipalityCode> = municipality::municipalities_of_prefecture(PREFECTURE)
        .iter()
        .map(|g| code(MunicipalityCode::parse("municipality", &g.code)))
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!munis.is_empty(), "no municipalities for {PREFECTURE}");
    let pref = code(MunicipalityCode::parse("municipality", PREFECTURE))?;
    let topic = |i: usize| code(TopicCode::parse("topic", TOPICS[i]));
    let mut coords = Vec::with_capacity(coordinators);
    for i in 0..coordinators {
        let covers = if rng.gen_range(0..10) == 0 {
            vec![pref.clone()]
        } else {
            (0..rng.gen_range(1..=3))
                .map(|_| munis[rng.gen_range(0..munis.len())].clone())
                .collect()
        };
        let professions = (0..rng.gen_range(1..=2))
            .map(|_| {
                code(VocabCode::parse(
                    VocabKind::Profession,
                    "profession",
                    PROFESSIONS[rng.gen_range(0..PROFESSIONS.len())],
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        let topics = (0..rng.gen_range(0..5))
            .map(|_| topic(rng.gen_range(0..TOPICS.len())))
            .collect::<anyhow::Result<_>>()?;
        let max = rng.gen_range(2..=6);
        coords.push(CoordinatorProfile {
            id: CoordinatorId(Uuid::from_u128(i as u128 + 1)),
            professions,
            covers,
            topics,
            max_active_cases: max,
            active_cases: rng.gen_range(0..=max),
            availability: if rng.gen_range(0..20) == 0 {
                Availability::OnLeave {
                    until: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap_or_default(),
                }
            } else {
                Availability::Active
            },
            recent_dispatches: rng.gen_range(0..12),
            affiliation: Some(munis[rng.gen_range(0..munis.len())].clone()),
            past_families: (0..rng.gen_range(0..3))
                .map(|_| PastFamily {
                    child_id: ChildId(Uuid::from_u128(0xC000 + rng.gen_range(0..300))),
                    year: rng.gen_range(2021..=2026),
                })
                .collect(),
        });
    }
    let mut reqs = Vec::with_capacity(requests);
    for i in 0..requests {
        let sides = if rng.gen_range(0..100) < pair_percent {
            SidesNeeded::Both
        } else if rng.gen_bool(0.5) {
            SidesNeeded::Medical
        } else {
            SidesNeeded::Welfare
        };
        reqs.push(DispatchRequest {
            id: DispatchRequestId(Uuid::from_u128(0xD000 + i as u128)),
            child_id: ChildId(Uuid::from_u128(0xC000 + rng.gen_range(0..300))),
            municipality: munis[rng.gen_range(0..munis.len())].clone(),
            topics: (0..rng.gen_range(1..=2))
                .map(|_| topic(rng.gen_range(0..5)))
                .collect::<anyhow::Result<_>>()?,
            sides,
            urgency: [Urgency::Routine, Urgency::Soon, Urgency::Urgent][rng.gen_range(0..3)],
        });
    }
    Ok(Instance {
        coordinators: coords,
        requests: reqs,
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Run the dispatch benchmark and return the report (Markdown).
pub fn run(sizes: DispatchSizes, seed: u64) -> anyhow::Result<String> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
    let weights = Weights::default();
    let repeats = sizes.repeats.max(1);

    // Ranking one request over N coordinators.
    let inst = instance(sizes.rank_coordinators, repeats, 0, seed)?;
    let mut base = Vec::with_capacity(repeats);
    let mut ranked = Vec::with_capacity(repeats);
    let mut eligible = 0;
    for req in &inst.requests {
        let t = Instant::now();
        let n: usize = inst
            .coordinators
            .iter()
            .map(|c| c.remaining_capacity() as usize + c.covers.len())
            .sum();
        std::hint::black_box(&req.municipality);
        base.push(t.elapsed());
        std::hint::black_box(n);
        let t = Instant::now();
        eligible = std::hint::black_box(rank(req, &inst.coordinators, &weights, today)).len();
        ranked.push(t.elapsed());
    }
    let (base, ranked) = (median(base), median(ranked));

    // The batch, and its baseline: ranking each of its requests once.
    let inst = instance(
        sizes.batch_coordinators,
        sizes.batch_requests,
        sizes.pair_percent,
        seed.wrapping_add(1),
    )?;
    let t = Instant::now();
    for req in &inst.requests {
        std::hint::black_box(rank(req, &inst.coordinators, &weights, today));
    }
    let per_request = t.elapsed();
    let t = Instant::now();
    let a = assign_batch(&inst.requests, &inst.coordinators, &weights, today);
    let batch = t.elapsed();
    let ratio = |x: Duration, b: Duration| x.as_secs_f64() / b.as_secs_f64().max(1e-9);

    let mut out = String::new();
    out.push_str(&format!(
        "dispatch · seed {seed} · 高知県 synthetic · median of {repeats} rankings\n\n"
    ));
    out.push_str("| measurement | time ms | baseline | baseline ms | ratio | target |\n|---|---:|---|---:|---:|---|\n");
    out.push_str(&format!(
        "| rank 1 request over {} coordinators ({eligible} eligible) | {:.3} | one pass over the profiles | {:.3} | {:.1} | < 5 ms |\n",
        sizes.rank_coordinators,
        ms(ranked),
        ms(base),
        ratio(ranked, base)
    ));
    out.push_str(&format!(
        "| batch {} requests × {} coordinators ({}% both sides) | {:.1} | rank each request once | {:.1} | {:.2} | < 2,000 ms |\n",
        sizes.batch_requests,
        sizes.batch_coordinators,
        sizes.pair_percent,
        ms(batch),
        ms(per_request),
        ratio(batch, per_request)
    ));
    out.push_str(&format!(
        "\nbatch: {} assigned, {} unassigned, value {} of upper bound {} ({:.2} %), proven optimal: {}\n",
        a.lines.len(),
        a.unassigned.len(),
        a.total_value,
        a.upper_bound,
        100.0 * a.total_value as f64 / (a.upper_bound.max(1)) as f64,
        a.proven_optimal
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn instances_are_deterministic_and_the_report_runs() {
        let a = instance(50, 10, 20, 7).unwrap();
        let b = instance(50, 10, 20, 7).unwrap();
        assert_eq!(a.coordinators, b.coordinators);
        assert_eq!(a.requests, b.requests);
        assert_ne!(
            instance(50, 10, 20, 8).unwrap().coordinators,
            a.coordinators
        );
        let report = run(
            DispatchSizes {
                rank_coordinators: 200,
                batch_requests: 20,
                batch_coordinators: 80,
                pair_percent: 10,
                repeats: 3,
            },
            1,
        )
        .unwrap();
        assert!(report.contains("| rank 1 request over 200 coordinators"));
        assert!(report.contains("batch: "));
    }
}
