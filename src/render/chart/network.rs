//! The network: dossiers and the entities they name, drawn. Each link joins a dossier to
//! an entity it names (in its front matter, with the role it gives, or in its text), so
//! two entities named in the same dossier are joined through it. The layout is
//! force-directed (Fruchterman–Reingold) from fixed starting places for a fixed number of
//! rounds: the same graph always lands in the same places.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;

use super::{num, short, FONT};
use crate::model::{Entity, EntityKind, Site};
use crate::render::markup::escape_html;
use crate::render::{dossier_path, entity_path};

/// A dossier or an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Its id.
    pub id: String,
    /// Its title or name.
    pub label: String,
    /// `None` for a dossier; an entity's kind.
    pub kind: Option<EntityKind>,
}

impl Node {
    /// Its page, from the site's root.
    pub fn href(&self) -> String {
        match self.kind {
            None => dossier_path(&self.id),
            Some(_) => entity_path(&self.id),
        }
    }
}

/// A dossier naming an entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// The dossier's node.
    pub dossier: usize,
    /// The entity's node.
    pub entity: usize,
    /// The role the dossier gives the entity, if any.
    pub role: Option<String>,
}

/// Dossiers and entities with the links between them, in the site's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Graph {
    /// Dossiers first (newest first), then entities (by name).
    pub nodes: Vec<Node>,
    /// By dossier, then entity.
    pub links: Vec<Link>,
    /// Dossiers and entities of the network not drawn: a drawing keeps the [`MOST_DRAWN`]
    /// most linked.
    pub left_out: usize,
}

/// The most nodes a drawing shows: beyond it labels cannot be read and the layout's work
/// grows with the square of the nodes. A larger network keeps its most linked nodes (the
/// entity pages and the list beside the drawing name the rest).
pub const MOST_DRAWN: usize = 120;

/// Which entities each dossier names, with the role it gives (the first role when it names
/// one twice), by the site's positions: made once per site, so that a page per entity does
/// not read every mention of every entity again.
#[derive(Debug, Default)]
pub struct Named {
    by_dossier: Vec<Vec<(usize, Option<String>)>>,
}

impl Named {
    /// The index of `site`. A dossier and its translations name the same entities: only one
    /// of them is drawn (see [`drawn`]), so that the two do not lie on top of each other.
    pub fn of(site: &Site) -> Named {
        let mut by_dossier: Vec<Vec<(usize, Option<String>)>> =
            vec![Vec::new(); site.dossiers.len()];
        for (e, entity) in site.entities.iter().enumerate() {
            for mention in &entity.mentions {
                match site.dossier_positions.get(&mention.dossier.id) {
                    Some(&d) if drawn(site, d) => by_dossier[d].push((e, mention.role.clone())),
                    _ => {}
                }
            }
        }
        Named { by_dossier }
    }

    /// The (dossier, entity) pairs of `dossiers`, with their roles.
    fn pairs(
        &self,
        dossiers: impl IntoIterator<Item = usize>,
    ) -> BTreeMap<(usize, usize), Option<String>> {
        let mut pairs: BTreeMap<(usize, usize), Option<String>> = BTreeMap::new();
        for d in dossiers {
            for (e, role) in self.by_dossier.get(d).into_iter().flatten() {
                let kept = pairs.entry((d, *e)).or_default();
                if kept.is_none() {
                    kept.clone_from(role);
                }
            }
        }
        pairs
    }
}

/// Whether dossier `d` stands for itself and its translations in a drawing: the one in the
/// site's language, else the first in the site's order.
fn drawn(site: &Site, d: usize) -> bool {
    let rank = |position: usize| {
        let dossier = &site.dossiers[position];
        let foreign =
            crate::i18n::primary(&dossier.lang) != crate::i18n::primary(&site.config.lang);
        (foreign, position)
    };
    site.dossiers[d]
        .translations
        .iter()
        .filter_map(|t| site.dossier_positions.get(&t.id))
        .all(|&other| rank(d) < rank(other))
}

impl Graph {
    /// The whole network of a site: every dossier that names an entity, and every entity.
    pub fn whole(site: &Site, named: &Named) -> Graph {
        Graph::of(site, named.pairs(0..site.dossiers.len())).most_linked(None)
    }

    /// The neighbourhood of `entity`: its dossiers, and the entities they name.
    pub fn neighbourhood(site: &Site, named: &Named, entity: &Entity) -> Graph {
        let dossiers = entity
            .mentions
            .iter()
            .filter_map(|m| site.dossier_positions.get(&m.dossier.id).copied());
        Graph::of(site, named.pairs(dossiers)).most_linked(Some(&entity.id))
    }

    /// The graph cut down to at most [`MOST_DRAWN`] nodes: the most linked entities (a
    /// third of the room; `keep`, an entity id, always among them), then the dossiers that
    /// name most of those entities, with the links between them. Ties go to the earlier
    /// node, so the cut is deterministic; nodes left without a link go too.
    fn most_linked(self, keep: Option<&str>) -> Graph {
        if self.nodes.len() <= MOST_DRAWN {
            return self;
        }
        let mut degree = vec![0usize; self.nodes.len()];
        for link in &self.links {
            degree[link.dossier] += 1;
            degree[link.entity] += 1;
        }
        let is_entity = |i: usize| self.nodes[i].kind.is_some();
        let mut entities: Vec<usize> = (0..self.nodes.len()).filter(|&i| is_entity(i)).collect();
        entities.sort_by_key(|&i| {
            let pinned = keep.is_some_and(|id| self.nodes[i].id == id);
            (!pinned, std::cmp::Reverse(degree[i]), i)
        });
        let mut chosen: BTreeSet<usize> = entities.into_iter().take(MOST_DRAWN / 3).collect();
        let mut reach = vec![0usize; self.nodes.len()];
        for link in self.links.iter().filter(|l| chosen.contains(&l.entity)) {
            reach[link.dossier] += 1;
        }
        let mut dossiers: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| !is_entity(i) && reach[i] > 0)
            .collect();
        dossiers.sort_by_key(|&i| (std::cmp::Reverse(reach[i]), i));
        let room = MOST_DRAWN - chosen.len();
        chosen.extend(dossiers.into_iter().take(room));
        let linked: BTreeSet<usize> = self
            .links
            .iter()
            .filter(|l| chosen.contains(&l.dossier) && chosen.contains(&l.entity))
            .flat_map(|l| [l.dossier, l.entity])
            .collect();
        let new_index: BTreeMap<usize, usize> = linked
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new))
            .collect();
        let nodes = linked.iter().map(|&i| self.nodes[i].clone()).collect();
        let links = self
            .links
            .into_iter()
            .filter_map(|l| {
                Some(Link {
                    dossier: *new_index.get(&l.dossier)?,
                    entity: *new_index.get(&l.entity)?,
                    role: l.role,
                })
            })
            .collect();
        Graph {
            left_out: self.left_out + self.nodes.len() - linked.len(),
            nodes,
            links,
        }
    }

    /// The graph of the given (dossier position, entity position) pairs and their roles.
    fn of(site: &Site, pairs: BTreeMap<(usize, usize), Option<String>>) -> Graph {
        let dossiers: BTreeSet<usize> = pairs.keys().map(|&(d, _)| d).collect();
        let entities: BTreeSet<usize> = pairs.keys().map(|&(_, e)| e).collect();
        let mut nodes = Vec::new();
        let mut dossier_node = BTreeMap::new();
        for &d in &dossiers {
            let dossier = &site.dossiers[d];
            dossier_node.insert(d, nodes.len());
            nodes.push(Node {
                id: dossier.id.clone(),
                label: dossier.title.clone(),
                kind: None,
            });
        }
        let mut entity_node = BTreeMap::new();
        for &e in &entities {
            let entity = &site.entities[e];
            entity_node.insert(e, nodes.len());
            nodes.push(Node {
                id: entity.id.clone(),
                label: entity.name.clone(),
                kind: Some(entity.kind),
            });
        }
        let links = pairs
            .into_iter()
            .map(|((d, e), role)| Link {
                dossier: dossier_node[&d],
                entity: entity_node[&e],
                role,
            })
            .collect();
        Graph {
            nodes,
            links,
            left_out: 0,
        }
    }

    /// How many entities the graph has.
    pub fn entity_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.kind.is_some()).count()
    }

    /// How many dossiers the graph has.
    pub fn dossier_count(&self) -> usize {
        self.nodes.len() - self.entity_count()
    }

    /// The drawing's title: how many entities and dossiers it shows.
    pub fn title(&self, words: &crate::i18n::Words) -> String {
        let mut title = words.fill(
            "network_title",
            &[
                ("entities", &self.entity_count().to_string()),
                ("dossiers", &self.dossier_count().to_string()),
            ],
        );
        if self.left_out > 0 {
            title.push_str(
                &words.fill("network_left_out", &[("count", &self.left_out.to_string())]),
            );
        }
        title
    }

    /// The box of the whole network `width` wide: taller as it grows, so that 100 nodes
    /// keep their room.
    pub fn size(&self, width: f64) -> (f64, f64) {
        let rows = (self.nodes.len() as f64).sqrt().ceil();
        (width, (rows * 70.0 * width / 960.0).clamp(360.0, 1400.0))
    }

    /// A link's text, the same in the drawing's tooltip and in the list beside it:
    /// `First case — CJNG: buyer`.
    pub fn link_text(&self, link: &Link) -> String {
        let mut out = format!(
            "{} — {}",
            self.nodes[link.dossier].label, self.nodes[link.entity].label
        );
        if let Some(role) = &link.role {
            let _ = write!(out, ": {role}");
        }
        out
    }
}

/// Where each node goes, in a `width` × `height` box.
pub fn layout(graph: &Graph, width: f64, height: f64) -> Vec<(f64, f64)> {
    let n = graph.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let area = width * height;
    let k = 1.2 * (area / n as f64).sqrt();
    let mut at = starting_places(n, width, height);
    // Fewer rounds for a larger graph keep the work near two million pairs (a drawing has at
    // most `MOST_DRAWN` nodes, and a site draws one per entity).
    let rounds = (2_000_000 / (n * n).max(1)).clamp(40, 400);
    let centre = (width / 2.0, height / 2.0);
    let gravity = 2.0 * k / width.min(height);
    for round in 0..rounds {
        let heat = width / 10.0 * (1.0 - round as f64 / rounds as f64) + 0.5;
        let mut shift = vec![(0.0_f64, 0.0_f64); n];
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (at[i].0 - at[j].0, at[i].1 - at[j].1);
                let d2 = (dx * dx + dy * dy).max(0.01);
                // Beyond the usual repulsion, nodes closer than a label's height push
                // hard, so that twins (dossiers naming the same entities) come apart.
                let push = k * k / d2 + if d2 < 900.0 { 4.0 * k * k / d2 } else { 0.0 };
                shift[i].0 += dx * push;
                shift[i].1 += dy * push;
                shift[j].0 -= dx * push;
                shift[j].1 -= dy * push;
            }
        }
        for link in &graph.links {
            let (a, b) = (link.dossier, link.entity);
            let (dx, dy) = (at[a].0 - at[b].0, at[a].1 - at[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(0.1);
            let pull = d / k;
            shift[a].0 -= dx * pull;
            shift[a].1 -= dy * pull;
            shift[b].0 += dx * pull;
            shift[b].1 += dy * pull;
        }
        for (place, push) in at.iter_mut().zip(&shift) {
            // Gravity keeps separate groups together; the box is only fitted at the end,
            // so that no node is pressed against its edge.
            let gx = push.0 + (centre.0 - place.0) * gravity;
            let gy = push.1 + (centre.1 - place.1) * gravity;
            let length = (gx * gx + gy * gy).sqrt().max(1e-9);
            let step = length.min(heat);
            place.0 += gx / length * step;
            place.1 += gy / length * step;
        }
    }
    fit(&at, width, height)
}

/// A sunflower of places around the centre, by node order: spread evenly, all different,
/// computed by turning one step at a time by the golden angle (no trigonometry).
fn starting_places(n: usize, width: f64, height: f64) -> Vec<(f64, f64)> {
    // cos and sin of the golden angle, 137.507 764 05°.
    const COS: f64 = -0.737_368_878_078_319_9;
    const SIN: f64 = 0.675_490_294_261_523_9;
    let (mut c, mut s) = (1.0_f64, 0.0_f64);
    let radius = width.min(height) / 2.0;
    (0..n)
        .map(|i| {
            let r = radius * ((i as f64 + 0.5) / n as f64).sqrt();
            let place = (width / 2.0 + r * c, height / 2.0 + r * s);
            (c, s) = (c * COS - s * SIN, c * SIN + s * COS);
            place
        })
        .collect()
}

/// The places stretched to fill the box.
fn fit(at: &[(f64, f64)], width: f64, height: f64) -> Vec<(f64, f64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in at {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let scale = |v: f64, lo: f64, hi: f64, size: f64| {
        if hi - lo < 1e-9 {
            size / 2.0
        } else {
            (v - lo) / (hi - lo) * size
        }
    };
    at.iter()
        .map(|&(x, y)| (scale(x, x0, x1, width), scale(y, y0, y1, height)))
        .collect()
}

/// The colour of a node: dossiers dark, entities by kind (each readable on white). The
/// legend's swatches in `style.css` use the same colours.
fn colour(kind: Option<EntityKind>) -> &'static str {
    match kind {
        None => "#1b1f24",
        Some(EntityKind::Person) => "#b03a2e",
        Some(EntityKind::Organization) => "#1a4f8b",
        Some(EntityKind::MilitaryUnit) => "#2e6b3a",
        Some(EntityKind::CriminalGroup) => "#8a4b08",
        Some(EntityKind::GovernmentAgency) => "#5b3f8c",
        Some(EntityKind::Place) => "#0f6c73",
        Some(EntityKind::Other) => "#59636e",
    }
}

/// Every colour of the drawing with what it stands for, for a legend: `None` for dossiers.
pub fn legend() -> Vec<(Option<EntityKind>, &'static str)> {
    std::iter::once(None)
        .chain(EntityKind::ALL.iter().map(|&(_, k)| Some(k)))
        .map(|k| (k, colour(k)))
        .collect()
}

/// How to draw a network.
#[derive(Debug, Clone, Copy)]
pub struct Drawing<'a> {
    /// The drawing's id, for its title's id (unique in a page).
    pub id: &'a str,
    /// Its title, which names it for assistive technology.
    pub title: &'a str,
    /// Width and height of the drawing's box.
    pub size: (f64, f64),
    /// The way from the page to the site's root; `None` draws no links (in a PDF).
    pub root: Option<&'a str>,
    /// The node drawn larger (an entity page's own entity).
    pub focus: Option<&'a str>,
}

/// Room kept around the layout for marks and labels.
const MARGIN: (f64, f64, f64, f64) = (16.0, 20.0, 150.0, 20.0);

/// The graph as an SVG drawing: links as lines (each with its text as a tooltip), nodes as
/// squares (dossiers) and circles (entities) with their labels, each node a link to its page.
pub fn svg(graph: &Graph, drawing: &Drawing) -> String {
    let (width, height) = drawing.size;
    let (left, top, right, bottom) = MARGIN;
    let places: Vec<(f64, f64)> = layout(graph, width - left - right, height - top - bottom)
        .into_iter()
        .map(|(x, y)| (x + left, y + top))
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart network\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{}</title>",
        num(width),
        num(height),
        num(width),
        num(height),
        escape_html(drawing.title),
        id = escape_html(drawing.id),
    );
    out.push_str("<g stroke=\"#9aa3ad\" stroke-width=\"1\">");
    for link in &graph.links {
        let (a, b) = (places[link.dossier], places[link.entity]);
        let _ = write!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>{}</title></line>",
            num(a.0),
            num(a.1),
            num(b.0),
            num(b.1),
            escape_html(&graph.link_text(link))
        );
    }
    out.push_str("</g>");
    let degree = degrees(graph);
    let _ = write!(out, "<g font-family=\"{FONT}\" font-size=\"11\">");
    for (i, node) in graph.nodes.iter().enumerate() {
        let focus = drawing.focus == Some(node.id.as_str()) && node.kind.is_some();
        node_svg(&mut out, node, places[i], degree[i], focus, drawing.root);
    }
    out.push_str("</g></svg>");
    out
}

fn degrees(graph: &Graph) -> Vec<usize> {
    let mut degree = vec![0; graph.nodes.len()];
    for link in &graph.links {
        degree[link.dossier] += 1;
        degree[link.entity] += 1;
    }
    degree
}

/// One node: its mark and label, inside a link to its page when there is a root.
fn node_svg(
    out: &mut String,
    node: &Node,
    (x, y): (f64, f64),
    degree: usize,
    focus: bool,
    root: Option<&str>,
) {
    if let Some(root) = root {
        let _ = write!(
            out,
            "<a href=\"{}{}\">",
            escape_html(root),
            escape_html(&node.href())
        );
    }
    let fill = colour(node.kind);
    let size = 3.5 + (degree.min(8) as f64) * 0.6 + if focus { 3.0 } else { 0.0 };
    match node.kind {
        None => {
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{s}\" height=\"{s}\" fill=\"{fill}\"/>",
                num(x - size),
                num(y - size),
                s = num(size * 2.0),
            );
        }
        Some(_) => {
            let _ = write!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                num(x),
                num(y),
                num(size)
            );
        }
    }
    let weight = if focus || node.kind.is_none() {
        " font-weight=\"bold\""
    } else {
        ""
    };
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\"{weight} fill=\"#1b1f24\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        num(x + size + 3.0),
        num(y + 4.0),
        escape_html(&short(&node.label, 28))
    );
    let _ = write!(out, "<title>{}</title>", escape_html(&node.label));
    if root.is_some() {
        out.push_str("</a>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn star(n: usize) -> Graph {
        let mut nodes = vec![Node {
            id: "d".into(),
            label: "Dossier".into(),
            kind: None,
        }];
        let mut links = Vec::new();
        for i in 0..n {
            nodes.push(Node {
                id: format!("e{i}"),
                label: format!("Entity {i}"),
                kind: Some(EntityKind::Person),
            });
            links.push(Link {
                dossier: 0,
                entity: i + 1,
                role: None,
            });
        }
        Graph {
            nodes,
            links,
            left_out: 0,
        }
    }

    #[test]
    fn a_large_network_keeps_its_most_linked_nodes_and_counts_the_rest() {
        // One dossier naming 300 entities, and the same again for a second dossier naming
        // only the first ten: the cut keeps MOST_DRAWN / 3 entities, the first ones.
        let mut graph = star(300);
        graph.nodes.push(Node {
            id: "d2".into(),
            label: "Second".into(),
            kind: None,
        });
        let second = graph.nodes.len() - 1;
        for e in 1..=10 {
            graph.links.push(Link {
                dossier: second,
                entity: e,
                role: None,
            });
        }
        let total = graph.nodes.len();
        let cut = graph.clone().most_linked(None);
        assert!(cut.nodes.len() <= MOST_DRAWN, "{}", cut.nodes.len());
        assert_eq!(cut.entity_count(), MOST_DRAWN / 3);
        assert_eq!(cut.dossier_count(), 2);
        assert_eq!(cut.left_out, total - cut.nodes.len());
        assert!(
            cut.nodes.iter().any(|n| n.id == "e0"),
            "the most linked entity stays"
        );
        for link in &cut.links {
            assert!(link.dossier < cut.nodes.len() && link.entity < cut.nodes.len());
        }
        assert_eq!(
            cut,
            graph.clone().most_linked(None),
            "the same cut every time"
        );
        // A pinned entity stays even when it is among the least linked.
        let pinned = graph.most_linked(Some("e299"));
        assert!(pinned.nodes.iter().any(|n| n.id == "e299"));
    }

    #[test]
    fn the_layout_is_the_same_every_time_and_stays_in_its_box() {
        let graph = star(30);
        let first = layout(&graph, 600.0, 400.0);
        assert_eq!(first, layout(&graph, 600.0, 400.0));
        assert!(first
            .iter()
            .all(|&(x, y)| (0.0..=600.0).contains(&x) && (0.0..=400.0).contains(&y)));
    }

    #[test]
    fn nodes_are_spread_apart() {
        let graph = star(40);
        let places = layout(&graph, 600.0, 400.0);
        let mut closest = f64::MAX;
        for i in 0..places.len() {
            for j in (i + 1)..places.len() {
                let (dx, dy) = (places[i].0 - places[j].0, places[i].1 - places[j].1);
                closest = closest.min((dx * dx + dy * dy).sqrt());
            }
        }
        assert!(closest > 5.0, "two nodes {closest} apart");
    }
}
