//! Batch assignment: min-cost flow (successive shortest paths with potentials).

use super::rank::{best_pairs, bonus_points, ReqCtx};
use super::{CoordinatorProfile, DispatchRequest, DispatchRequestId, Side, SidesNeeded, Weights};
use crate::ids::CoordinatorId;
use chrono::NaiveDate;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Who a line assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Assigned {
    /// One coordinator (single-side request).
    One {
        /// The coordinator.
        coordinator: CoordinatorId,
    },
    /// A pair (request needing both sides).
    Pair {
        /// Medical member.
        medical: CoordinatorId,
        /// Welfare member.
        welfare: CoordinatorId,
    },
}

/// One proposed line of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AssignmentLine {
    /// The request.
    pub request: DispatchRequestId,
    /// Who.
    pub assigned: Assigned,
    /// Score of the coordinator, or of the pair (both scores + pair bonus).
    pub score: u32,
    /// What the line adds to the objective: `score` + the urgency bonus.
    pub value: u64,
}

/// Why a request got no one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnassignedReason {
    /// No coordinator breaks no hard rule (see [`super::exclusions`]).
    NoEligibleCoordinator,
    /// Both sides needed, but no two different eligible people make a medical + welfare pair.
    NoEligiblePair,
    /// Eligible coordinators exist, but their capacity serves other requests for a higher
    /// total.
    CapacityUsedElsewhere,
}

/// A request left without a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Unassigned {
    /// The request.
    pub request: DispatchRequestId,
    /// Why.
    pub reason: UnassignedReason,
}

/// A proposed batch assignment, for the advisor to review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Assigned requests, by request id.
    pub lines: Vec<AssignmentLine>,
    /// Requests without a proposal, by request id.
    pub unassigned: Vec<Unassigned>,
    /// Sum of the lines' values (the objective).
    pub total_value: u64,
    /// No assignment can exceed this value (see [`assign_batch`]).
    pub upper_bound: u64,
    /// `total_value == upper_bound`: the proposal is optimal. Always true without pair
    /// requests.
    pub proven_optimal: bool,
}

/// Proposes an assignment of `requests` that maximises the total value — Σ (score of the
/// coordinator or pair + urgency bonus, [`Weights::urgency_points`]) — subject to: every
/// coordinator gets at most their remaining capacity (`max − active`) of new requests, each
/// request gets at most one coordinator (a pair for [`SidesNeeded::Both`]), and every
/// proposed person breaks no hard rule for the request. Deterministic whatever the input
/// order (requests and coordinators are processed by id). Ids must be unique.
///
/// **Single-side requests** are solved exactly as a min-cost flow: source → request (cap 1)
/// → eligible coordinator (cost −value) → sink (cap = remaining capacity), successive
/// shortest paths with Dijkstra on reduced costs, stopping when the next path would lower the
/// total. Each request keeps only its best edges until their capacities add up to the number
/// of requests; this loses nothing (if a request were served by a worse coordinator, one of
/// the kept ones has a unit the other requests cannot all use, and moving the request there
/// does not lower the total).
///
/// **Pair requests** ([`SidesNeeded::Both`]) need two people at once (both or neither) and
/// carry a joint bonus; that is not a flow problem (it contains 3-dimensional matching), so
/// they are handled as follows:
/// 1. *Relaxation*: each pair request becomes a medical slot and a welfare slot, each worth
///    the member's score + half the urgency bonus + half the largest pair bonus any two of the
///    request's eligible people could get, and the whole batch is solved exactly as above.
///    Every real assignment is a solution of the relaxation with at least its value, so this
///    optimum is [`Assignment::upper_bound`].
/// 2. *Repair*: pair requests whose two slots got two different people keep them (with their
///    real bonus). The others are dropped, then placed on the capacity left, each with its best
///    pair (in order of urgency, then id), either before or after re-solving the single-side
///    requests exactly on the remaining capacity; the better of the two orders is kept.
/// 3. *Re-pair*: in the same order, each pair request gives its two people back and takes the
///    best pair ([`super::rank_pairs`]' rule, bonus included) on the capacity free, which can
///    only raise its score; finally the single-side requests are solved exactly again on what
///    the pairs leave.
/// 4. *Small instances*: when (product over pair requests of their medical × welfare
///    choices + 1) × (single-side edges + 1) × (single-side requests + 1) stays under a fixed
///    work budget (20,000,000), every combination of pair choices is tried with the
///    single-side requests solved exactly for each; the best is then optimal and becomes the
///    bound. This covers a center with a few pair requests and a few dozen coordinators; up to
///    4 people and 4 requests it always applies (tested against brute force).
///
/// The result is always optimal for the single-side requests given the pairs it chose, and
/// [`Assignment::proven_optimal`] says whether it reaches the bound. Where it may fall short
/// (only when step 4 does not apply): the pairs themselves — when the relaxation splits a pair
/// request (one slot filled, or one dual-side person in both) or when pair bonuses would make
/// other pairs better overall; the loss is at most `upper_bound − total_value` (the bound is
/// loose by up to the credited pair bonuses, so this overstates it).
pub fn assign_batch(
    requests: &[DispatchRequest],
    coordinators: &[CoordinatorProfile],
    weights: &Weights,
    today: NaiveDate,
) -> Assignment {
    let mut reqs: Vec<&DispatchRequest> = requests.iter().collect();
    reqs.sort_by_key(|r| r.id);
    let mut coords: Vec<CoordinatorProfile> = coordinators.to_vec();
    coords.sort_by_key(|c| c.id);
    let caps: Vec<u32> = coords
        .iter()
        .map(CoordinatorProfile::remaining_capacity)
        .collect();

    // Eligible lists per request, best first.
    struct Req<'r> {
        ctx: ReqCtx<'r>,
        urgency: u64,
        one: Vec<(u32, usize)>,
        med: Vec<(u32, usize)>,
        wel: Vec<(u32, usize)>,
    }
    let prepared: Vec<Req<'_>> = reqs
        .iter()
        .map(|r| {
            let ctx = ReqCtx::new(r, today);
            let urgency = u64::from(weights.urgency_points(r.urgency));
            let (one, med, wel) = match r.sides {
                SidesNeeded::Both => (
                    Vec::new(),
                    ctx.scored(&coords, weights, Some(Side::Medical)),
                    ctx.scored(&coords, weights, Some(Side::Welfare)),
                ),
                _ => (ctx.scored(&coords, weights, None), Vec::new(), Vec::new()),
            };
            Req {
                ctx,
                urgency,
                one,
                med,
                wel,
            }
        })
        .collect();
    let is_pair = |i: usize| prepared[i].ctx.req.sides == SidesNeeded::Both;

    // 1. Relaxation over all requests (values doubled to keep halves integral).
    let mut slots: Vec<Slot> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        if is_pair(i) {
            let max_bonus = u64::from(max_pair_bonus(p.ctx.req, &coords, &p.med, &p.wel, weights));
            for list in [&p.med, &p.wel] {
                slots.push(Slot {
                    req: i,
                    edges: list
                        .iter()
                        .map(|&(s, c)| (c, 2 * u64::from(s) + p.urgency + max_bonus))
                        .collect(),
                });
            }
        } else {
            slots.push(Slot {
                req: i,
                edges: p
                    .one
                    .iter()
                    .map(|&(s, c)| (c, 2 * (u64::from(s) + p.urgency)))
                    .collect(),
            });
        }
    }
    let (relaxed, relaxed_value2) = solve_flow(&slots, &caps);
    let mut upper_bound = relaxed_value2 / 2;

    let mut chosen: Vec<Option<Assigned>> = vec![None; prepared.len()];
    let mut lines_score: Vec<u32> = vec![0; prepared.len()];
    let mut left = caps.clone();
    let any_pair = (0..prepared.len()).any(is_pair);
    if !any_pair {
        for (slot, got) in slots.iter().zip(&relaxed) {
            if let Some(c) = *got {
                let s = score_in(&prepared[slot.req].one, c);
                chosen[slot.req] = Some(Assigned::One {
                    coordinator: coords[c].id,
                });
                lines_score[slot.req] = s;
            }
        }
    } else {
        // 2. Keep consistent pairs.
        let mut k = 0;
        let mut kept: Vec<PairLine> = Vec::new();
        let mut dropped: Vec<usize> = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            if is_pair(i) {
                match (relaxed[k], relaxed[k + 1]) {
                    (Some(m), Some(w)) if m != w => {
                        left[m] -= 1;
                        left[w] -= 1;
                        let bonus = super::pair_bonus(p.ctx.req, &coords[m], &coords[w], weights);
                        let s = score_in(&p.med, m) + score_in(&p.wel, w) + bonus;
                        kept.push((i, m, w, s));
                    }
                    _ => dropped.push(i),
                }
                k += 2;
            } else {
                k += 1;
            }
        }
        let by_urgency =
            |&i: &usize| (Reverse(prepared[i].ctx.req.urgency), prepared[i].ctx.req.id);
        dropped.sort_by_key(by_urgency);
        let singles: Vec<usize> = (0..prepared.len()).filter(|&i| !is_pair(i)).collect();

        // The best pair for request `i` among people with capacity left.
        let best_pair = |i: usize, left: &[u32]| -> Option<PairLine> {
            let p = &prepared[i];
            let free = |&(_, c): &(u32, usize)| left[c] > 0;
            let med: Vec<(u32, usize)> = p.med.iter().copied().filter(free).collect();
            let wel: Vec<(u32, usize)> = p.wel.iter().copied().filter(free).collect();
            best_pairs(&p.ctx, &coords, weights, &med, &wel, 1)
                .first()
                .map(|b| (i, b.m, b.w, b.sm + b.sw + b.bonus))
        };
        let place_pairs = |left: &mut Vec<u32>| -> Vec<PairLine> {
            let mut out = Vec::new();
            for &i in &dropped {
                if let Some(line) = best_pair(i, left) {
                    left[line.1] -= 1;
                    left[line.2] -= 1;
                    out.push(line);
                }
            }
            out
        };
        let solve_singles = |left: &mut Vec<u32>| -> Vec<(usize, usize)> {
            let slots: Vec<Slot> = singles
                .iter()
                .map(|&i| {
                    let p = &prepared[i];
                    Slot {
                        req: i,
                        edges: p
                            .one
                            .iter()
                            .map(|&(s, c)| (c, u64::from(s) + p.urgency))
                            .collect(),
                    }
                })
                .collect();
            let (got, _) = solve_flow(&slots, left);
            let mut out = Vec::new();
            for (slot, g) in slots.iter().zip(got) {
                if let Some(c) = g {
                    left[c] -= 1;
                    out.push((slot.req, c));
                }
            }
            out
        };
        let value_of =
            |pairs: &[PairLine], ones: &[(usize, usize)]| -> u64 {
                pairs
                    .iter()
                    .map(|&(i, _, _, s)| u64::from(s) + prepared[i].urgency)
                    .chain(ones.iter().map(|&(i, c)| {
                        u64::from(score_in(&prepared[i].one, c)) + prepared[i].urgency
                    }))
                    .sum()
            };
        // 3. Order A: dropped pairs first, then the single-side requests; order B: the other
        // way round. Keep the better.
        let mut left_a = left.clone();
        let pairs_a = place_pairs(&mut left_a);
        let ones_a = solve_singles(&mut left_a);
        let mut left_b = left.clone();
        let ones_b = solve_singles(&mut left_b);
        let pairs_b = place_pairs(&mut left_b);
        let (placed, mut left) = if value_of(&pairs_b, &ones_b) > value_of(&pairs_a, &ones_a) {
            (pairs_b, left_b)
        } else {
            (pairs_a, left_a)
        };
        // 4. Re-pair: each pair request in turn gives its two people back and takes the best
        // pair on what is free (its old pair is among the choices, so no line gets worse).
        let mut pairs: Vec<PairLine> = kept;
        pairs.extend(placed);
        pairs.sort_by_key(|line| by_urgency(&line.0));
        for line in &mut pairs {
            left[line.1] += 1;
            left[line.2] += 1;
            if let Some(better) = best_pair(line.0, &left) {
                *line = better;
            }
            left[line.1] -= 1;
            left[line.2] -= 1;
        }
        // 5. The single-side requests, exactly, on what the pairs leave.
        let mut left = caps.clone();
        for &(_, m, w, _) in &pairs {
            left[m] -= 1;
            left[w] -= 1;
        }
        let mut ones = solve_singles(&mut left);
        // 6. Small instances: try every combination of pair choices, each with the
        // single-side requests solved exactly, when that is cheap enough.
        let pair_reqs: Vec<usize> = (0..prepared.len()).filter(|&i| is_pair(i)).collect();
        let single_edges: u64 = singles.iter().map(|&i| prepared[i].one.len() as u64).sum();
        let leaves = pair_reqs.iter().fold(1u64, |acc, &i| {
            let p = &prepared[i];
            acc.saturating_mul((p.med.len() as u64 * p.wel.len() as u64).saturating_add(1))
        });
        let per_leaf = (single_edges + 1).saturating_mul(singles.len() as u64 + 1);
        if leaves.saturating_mul(per_leaf) <= EXACT_BUDGET {
            let options: Vec<Vec<PairLine>> = pair_reqs
                .iter()
                .map(|&i| {
                    let p = &prepared[i];
                    let mut v = Vec::new();
                    for &(sm, m) in &p.med {
                        for &(sw, w) in &p.wel {
                            if m != w {
                                let b =
                                    super::pair_bonus(p.ctx.req, &coords[m], &coords[w], weights);
                                v.push((i, m, w, sm + sw + b));
                            }
                        }
                    }
                    v
                })
                .collect();
            let mut best = (value_of(&pairs, &ones), None);
            let mut leaf = |picked: &[PairLine], left: &[u32]| {
                let mut left = left.to_vec();
                let o = solve_singles(&mut left);
                let v = value_of(picked, &o);
                if v > best.0 {
                    best = (v, Some((picked.to_vec(), o)));
                }
            };
            let mut left = caps.clone();
            enumerate(&options, &mut left, &mut Vec::new(), &mut leaf);
            upper_bound = best.0;
            if let Some((p, o)) = best.1 {
                pairs = p;
                ones = o;
            }
        }
        for (i, m, w, s) in pairs {
            chosen[i] = Some(Assigned::Pair {
                medical: coords[m].id,
                welfare: coords[w].id,
            });
            lines_score[i] = s;
        }
        for (i, c) in ones {
            chosen[i] = Some(Assigned::One {
                coordinator: coords[c].id,
            });
            lines_score[i] = score_in(&prepared[i].one, c);
        }
    }

    let mut lines = Vec::new();
    let mut unassigned = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        let id = p.ctx.req.id;
        match chosen[i] {
            Some(assigned) => lines.push(AssignmentLine {
                request: id,
                assigned,
                score: lines_score[i],
                value: u64::from(lines_score[i]) + p.urgency,
            }),
            None => {
                let reason = if is_pair(i) {
                    let possible = match (p.med.as_slice(), p.wel.as_slice()) {
                        ([], _) | (_, []) => false,
                        ([(_, m)], [(_, w)]) => m != w,
                        _ => true,
                    };
                    if possible {
                        UnassignedReason::CapacityUsedElsewhere
                    } else {
                        UnassignedReason::NoEligiblePair
                    }
                } else if p.one.is_empty() {
                    UnassignedReason::NoEligibleCoordinator
                } else {
                    UnassignedReason::CapacityUsedElsewhere
                };
                unassigned.push(Unassigned {
                    request: id,
                    reason,
                });
            }
        }
    }
    let total_value: u64 = lines.iter().map(|l| l.value).sum();
    Assignment {
        proven_optimal: total_value >= upper_bound,
        upper_bound: upper_bound.max(total_value),
        lines,
        unassigned,
        total_value,
    }
}

/// Most work spent on enumerating pair choices exactly, counted as combinations × (edges of
/// the single-side requests + 1) × (single-side requests + 1) — about the edge scans of the
/// flow solves, so some tens of milliseconds at most.
const EXACT_BUDGET: u64 = 20_000_000;

/// Depth-first over the pair choices of each pair request (or none), within capacity; calls
/// `leaf` with the chosen pairs and the capacity left.
fn enumerate(
    options: &[Vec<PairLine>],
    left: &mut [u32],
    picked: &mut Vec<PairLine>,
    leaf: &mut dyn FnMut(&[PairLine], &[u32]),
) {
    let Some((first, rest)) = options.split_first() else {
        leaf(picked, left);
        return;
    };
    for &line in first {
        let (_, m, w, _) = line;
        if left[m] > 0 && left[w] > 0 {
            left[m] -= 1;
            left[w] -= 1;
            picked.push(line);
            enumerate(rest, left, picked, leaf);
            picked.pop();
            left[m] += 1;
            left[w] += 1;
        }
    }
    enumerate(rest, left, picked, leaf);
}

/// A pair line in progress: request index, medical index, welfare index, pair score.
type PairLine = (usize, usize, usize, u32);

/// The largest bonus any pair from `med` × `wel` could get (an upper bound: it does not check
/// that the two people differ).
fn max_pair_bonus(
    req: &DispatchRequest,
    coords: &[CoordinatorProfile],
    med: &[(u32, usize)],
    wel: &[(u32, usize)],
    weights: &Weights,
) -> u32 {
    let worked = |&(_, c): &(u32, usize)| coords[c].worked_with(req.child_id).is_some();
    let fam = med.iter().any(worked) && wel.iter().any(worked);
    let med_aff: std::collections::HashSet<&str> = med
        .iter()
        .filter_map(|&(_, c)| coords[c].affiliation.as_ref().map(|a| a.as_str()))
        .collect();
    let aff = wel.iter().any(|&(_, c)| {
        coords[c]
            .affiliation
            .as_ref()
            .is_some_and(|a| med_aff.contains(a.as_str()))
    });
    bonus_points(weights, fam, aff)
}

/// The score of coordinator `c` in a `(score, index)` list.
fn score_in(list: &[(u32, usize)], c: usize) -> u32 {
    list.iter().find(|&&(_, i)| i == c).map_or(0, |&(s, _)| s)
}

/// One unit of demand: a request (or one side of a pair request) and its edges
/// `(coordinator index, value)`, best first.
struct Slot {
    req: usize,
    edges: Vec<(usize, u64)>,
}

/// Maximum-value assignment of slots to coordinators within `caps`: for each slot the
/// coordinator index (or `None`), and the total value.
fn solve_flow(slots: &[Slot], caps: &[u32]) -> (Vec<Option<usize>>, u64) {
    let n_slots = slots.len();
    let demand = n_slots as u64;
    // Nodes: 0 source, 1 sink, 2.. slots, then coordinators used by some edge.
    let mut coord_node: Vec<u32> = vec![u32::MAX; caps.len()];
    let mut node_coord: Vec<usize> = Vec::new();
    let mut g = Graph::default();
    g.add_nodes(2 + n_slots);
    let mut slot_edges: Vec<(usize, usize)> = Vec::new(); // (first edge id, count) per slot
    for (s, slot) in slots.iter().enumerate() {
        g.add_edge(0, 2 + s, 1, 0);
        let first = g.to.len();
        let mut cum: u64 = 0;
        let mut count = 0;
        for &(c, value) in &slot.edges {
            if cum >= demand {
                break;
            }
            if caps[c] == 0 {
                continue;
            }
            if coord_node[c] == u32::MAX {
                coord_node[c] = g.add_nodes(1) as u32;
                node_coord.push(c);
            }
            let cost = -i64::try_from(value).unwrap_or(i64::MAX / 4);
            g.add_edge(2 + s, coord_node[c] as usize, 1, cost);
            cum += u64::from(caps[c]);
            count += 1;
        }
        slot_edges.push((first, count));
    }
    let first_coord = 2 + n_slots;
    for (k, &c) in node_coord.iter().enumerate() {
        g.add_edge(first_coord + k, 1, i64::from(caps[c]), 0);
    }
    let total = g.max_gain(first_coord);
    let mut out = vec![None; n_slots];
    for (s, &(first, count)) in slot_edges.iter().enumerate() {
        for e in (first..first + 2 * count).step_by(2) {
            if g.cap[e] == 0 {
                out[s] = Some(node_coord[g.to[e] as usize - first_coord]);
            }
        }
    }
    (out, total)
}

/// Residual graph in edge-pair form (edge `e` and its reverse `e ^ 1`).
#[derive(Default)]
struct Graph {
    adj: Vec<Vec<u32>>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
}

impl Graph {
    fn add_nodes(&mut self, k: usize) -> usize {
        let first = self.adj.len();
        self.adj.resize_with(first + k, Vec::new);
        first
    }

    fn add_edge(&mut self, u: usize, v: usize, cap: i64, cost: i64) {
        let e = self.to.len() as u32;
        self.to.push(v as u32);
        self.cap.push(cap);
        self.cost.push(cost);
        self.adj[u].push(e);
        self.to.push(u as u32);
        self.cap.push(0);
        self.cost.push(-cost);
        self.adj[v].push(e + 1);
    }

    /// Successive shortest paths from node 0 to node 1 while a path has cost ≤ 0; returns the
    /// total gain (−cost). Initial potentials come from the layered shape (source → slots →
    /// coordinators from `first_coord` on → sink); every path carries one unit.
    fn max_gain(&mut self, first_coord: usize) -> u64 {
        let n = self.adj.len();
        let mut pot = vec![0i64; n];
        for u in 2..first_coord {
            for &e in &self.adj[u] {
                let e = e as usize;
                if e & 1 == 0 {
                    let v = self.to[e] as usize;
                    pot[v] = pot[v].min(self.cost[e]);
                }
            }
        }
        pot[1] = (first_coord..n).map(|v| pot[v]).min().unwrap_or(0);
        const INF: i64 = i64::MAX / 4;
        let mut dist = vec![INF; n];
        let mut prev = vec![u32::MAX; n];
        let mut done = vec![false; n];
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        let mut gain: i64 = 0;
        loop {
            dist.fill(INF);
            done.fill(false);
            heap.clear();
            dist[0] = 0;
            heap.push(Reverse((0, 0)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == 1 {
                    break;
                }
                for &e in &self.adj[u] {
                    let e = e as usize;
                    if self.cap[e] <= 0 {
                        continue;
                    }
                    let v = self.to[e] as usize;
                    let nd = d + self.cost[e] + pot[u] - pot[v];
                    if nd < dist[v] {
                        dist[v] = nd;
                        prev[v] = e as u32;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            }
            if !done[1] {
                break;
            }
            let reach = dist[1];
            for (p, &d) in pot.iter_mut().zip(&dist) {
                *p += d.min(reach);
            }
            let path_cost = pot[1] - pot[0];
            if path_cost > 0 {
                break;
            }
            let mut v = 1;
            while v != 0 {
                let e = prev[v] as usize;
                self.cap[e] -= 1;
                self.cap[e ^ 1] += 1;
                v = self.to[e ^ 1] as usize;
            }
            gain -= path_cost;
        }
        u64::try_from(gain).unwrap_or(0)
    }
}
