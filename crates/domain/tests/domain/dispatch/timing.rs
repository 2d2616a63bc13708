//! Timing (run in release): cargo test -p tsunagu-domain --release -- --ignored dispatch_timing --nocapture

use super::*;

/// Deterministic pseudo-random numbers (SplitMix64) for the timing data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `n` coordinators in 高知県 (34 municipalities): each covers 1–3 municipalities, one in ten
/// the whole prefecture; 1–2 professions, 0–4 topics, capacity 2–6 with 0–max cases.
fn timing_coords(n: usize, rng: &mut Rng) -> Vec<CoordinatorProfile> {
    let munis: Vec<&str> = municipality::municipalities_of_prefecture(KOCHI_PREF)
        .iter()
        .map(|g| g.code.as_str())
        .collect();
    let all_profs = [
        "nurse",
        "public_health_nurse",
        "doctor",
        "social_worker",
        "consultation_specialist",
        "childcare_worker",
        "teacher",
    ];
    let all_topics = [
        "tube_feeding_gastric",
        "suction",
        "ventilator",
        "school",
        "short_stay",
        "welfare_service",
        "disaster",
        "oxygen",
    ];
    (0..n)
        .map(|i| {
            let covers: Vec<&str> = if rng.below(10) == 0 {
                vec![KOCHI_PREF]
            } else {
                (0..1 + rng.below(3))
                    .map(|_| munis[rng.below(munis.len())])
                    .collect()
            };
            let profs: Vec<&str> = (0..1 + rng.below(2))
                .map(|_| all_profs[rng.below(7)])
                .collect();
            let mut c = coord(i as u128 + 1, &profs, &covers);
            c.topics = (0..rng.below(5))
                .map(|_| topic(all_topics[rng.below(8)]))
                .collect();
            c.max_active_cases = 2 + rng.below(5) as u32;
            c.active_cases = rng.below(c.max_active_cases as usize + 1) as u32;
            c.recent_dispatches = rng.below(20) as u32;
            c.affiliation = Some(muni(munis[rng.below(munis.len())]));
            c.past_families = (0..rng.below(3))
                .map(|_| domain::dispatch::PastFamily {
                    child_id: child(rng.below(300) as u128),
                    year: 2020 + rng.below(7) as i32,
                })
                .collect();
            if rng.below(20) == 0 {
                c.availability = Availability::OnLeave {
                    until: today() + chrono::Duration::days(30),
                };
            }
            c
        })
        .collect()
}

fn timing_requests(n: usize, pair_share: usize, rng: &mut Rng) -> Vec<DispatchRequest> {
    let munis: Vec<&str> = municipality::municipalities_of_prefecture(KOCHI_PREF)
        .iter()
        .map(|g| g.code.as_str())
        .collect();
    let all_topics = [
        "tube_feeding_gastric",
        "suction",
        "ventilator",
        "school",
        "short_stay",
    ];
    (0..n)
        .map(|i| {
            let sides = if rng.below(100) < pair_share {
                SidesNeeded::Both
            } else if rng.below(2) == 0 {
                SidesNeeded::Medical
            } else {
                SidesNeeded::Welfare
            };
            let mut r = request(
                i as u128 + 1,
                rng.below(300) as u128,
                munis[rng.below(munis.len())],
                sides,
            );
            r.topics = (0..1 + rng.below(2))
                .map(|_| topic(all_topics[rng.below(5)]))
                .collect();
            r.urgency = [Urgency::Routine, Urgency::Soon, Urgency::Urgent][rng.below(3)];
            r
        })
        .collect()
}

#[test]
#[ignore = "timing; run with --release -- --ignored dispatch_timing --nocapture"]
fn dispatch_timing() {
    use std::time::Instant;
    let mut rng = Rng(2026);
    let w = Weights::default();

    let coords = timing_coords(5_000, &mut rng);
    let mut req = request(1, 1, NANKOKU, SidesNeeded::Medical);
    req.topics = vec![topic("tube_feeding_gastric"), topic("suction")];
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..50 {
        let t = Instant::now();
        n = std::hint::black_box(rank(&req, &coords, &w, today())).len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "rank: 5,000 coordinators, {n} eligible: median {:?}, max {:?}",
        times[25], times[49]
    );
    let mut prefwide = req.clone();
    prefwide.sides = SidesNeeded::Both;
    let t = Instant::now();
    let pairs = rank_pairs(&prefwide, &coords, &w, today(), 10);
    println!(
        "rank_pairs: 5,000 coordinators, top 10: {:?} ({} pairs)",
        t.elapsed(),
        pairs.len()
    );

    for (label, pair_share) in [("single-side only", 0), ("10% pairs", 10)] {
        let coords = timing_coords(2_000, &mut rng);
        let reqs = timing_requests(500, pair_share, &mut rng);
        let t = Instant::now();
        let a = assign_batch(&reqs, &coords, &w, today());
        println!(
            "assign_batch: 500 requests × 2,000 coordinators ({label}): {:?}; {} assigned, {} unassigned, value {} of bound {} (optimal: {})",
            t.elapsed(), a.lines.len(), a.unassigned.len(), a.total_value, a.upper_bound, a.proven_optimal
        );
        check_assignment(&a, &reqs, &coords, &w);
    }
    // Worst case for size: everyone covers the whole prefecture.
    let mut coords = timing_coords(5_000, &mut rng);
    for c in &mut coords {
        c.covers = vec![muni(KOCHI_PREF)];
    }
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        n = std::hint::black_box(rank(&req, &coords, &w, today())).len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "rank: 5,000 coordinators all covering 高知県, {n} eligible: median {:?}, max {:?}",
        times[25], times[49]
    );
    let t = Instant::now();
    let pairs = rank_pairs(&prefwide, &coords, &w, today(), 10);
    println!(
        "rank_pairs: 5,000 coordinators all covering 高知県, top 10: {:?} ({} pairs)",
        t.elapsed(),
        pairs.len()
    );
    coords.truncate(2_000);
    let reqs = timing_requests(500, 10, &mut rng);
    let t = Instant::now();
    let a = assign_batch(&reqs, &coords, &w, today());
    println!(
        "assign_batch: 500 × 2,000 all covering 高知県 (10% pairs): {:?}; {} assigned, {} unassigned, value {} of bound {} (optimal: {})",
        t.elapsed(), a.lines.len(), a.unassigned.len(), a.total_value, a.upper_bound, a.proven_optimal
    );
    check_assignment(&a, &reqs, &coords, &w);
    // Scarce capacity: 500 requests, 2,000 coordinators with one free case among 10%.
    let mut coords = timing_coords(2_000, &mut rng);
    for (i, c) in coords.iter_mut().enumerate() {
        c.active_cases = if i % 10 == 0 {
            c.max_active_cases - 1
        } else {
            c.max_active_cases
        };
    }
    let reqs = timing_requests(500, 10, &mut rng);
    let t = Instant::now();
    let a = assign_batch(&reqs, &coords, &w, today());
    println!(
        "assign_batch: 500 × 2,000, scarce capacity: {:?}; {} assigned, {} unassigned, value {} of bound {} (optimal: {})",
        t.elapsed(), a.lines.len(), a.unassigned.len(), a.total_value, a.upper_bound, a.proven_optimal
    );
    check_assignment(&a, &reqs, &coords, &w);
}

/// How often the batch reaches the brute-force optimum on instances with pair requests a
/// little larger than the exact enumeration takes: prints the shares.
#[test]
#[ignore = "statistics; run with -- --ignored dispatch_pair_quality --nocapture"]
fn dispatch_pair_quality() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (
        arb_coords(6).prop_map(|mut v| {
            for c in &mut v {
                c.max_active_cases = c.active_cases + 1 + c.max_active_cases % 2;
            }
            v
        }),
        arb_requests(7, true),
        arb_weights(),
    );
    let (mut runs, mut optimal, mut proven, mut gap) = (0, 0, 0, 0u64);
    for _ in 0..2_000 {
        let (coords, reqs, w) = strategy.new_tree(&mut runner).unwrap().current();
        if !reqs.iter().any(|r| r.sides == SidesNeeded::Both) {
            continue;
        }
        let a = assign_batch(&reqs, &coords, &w, today());
        let best = brute_force(&reqs, &coords, &w);
        runs += 1;
        optimal += usize::from(a.total_value == best);
        proven += usize::from(a.proven_optimal);
        gap = gap.max(best - a.total_value);
    }
    println!(
        "instances with pair requests: {runs}; equal to brute force: {optimal} ({:.1}%); proven optimal: {proven}; largest shortfall: {gap} points",
        100.0 * optimal as f64 / runs.max(1) as f64
    );
}
