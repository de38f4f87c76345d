//! Changing a concept file's description without linking the whole site: a live preview's
//! answer to an edited `content/concepts/<name>.md`. The description is linked again on its
//! own and the backlinks and citations of what it links to are patched in place.
//!
//! Only the description may change: a new title, aliases, broader concepts, publication or
//! tags change what other texts resolve to or how concepts are titled, which the caller leaves
//! to a full link, as it does for a concept file that comes or goes.

use super::embeds::{self, EmbedNote, PageText};
use super::relink::Affected;
use super::requote::{enlist, unlist};
use super::{outline, Doc, Graph, Linker, Ref, Resolver, Target};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::ConceptFile;

/// The outcome of [`redescribe`].
#[derive(Debug)]
pub struct Redescribed {
    /// The pages whose content or lists changed; the concept's own among them.
    pub affected: Affected,
    /// Problems of the description's text (the front matter's are the caller's).
    pub warnings: Vec<Diagnostic>,
}

/// Replaces the description of the concept that `file` describes with the file as it is now.
/// Returns why not, with the graph untouched, when more than the description changed or the
/// description has an error.
pub fn redescribe(
    graph: &mut Graph,
    linker: &Linker,
    file: ConceptFile,
) -> Result<Redescribed, &'static str> {
    let name = file.name.clone();
    let concept = graph
        .concepts
        .get(&name)
        .ok_or("it describes a new concept")?;
    let Some(old) = &concept.file else {
        return Err("it is a new concept file");
    };
    if old.file != file.file
        || old.title != file.title
        || old.aliases != file.aliases
        || old.broader != file.broader
        || old.publish != file.publish
    {
        return Err("its title, aliases, broader concepts or publication changed");
    }
    let scan = outline::scan(&file.body.text, crate::syntax::Dialect::of(&graph.config));
    let old_tags = concept.description.as_ref().map(|d| d.scan.tags.clone());
    if old_tags.unwrap_or_default() != scan.tags {
        return Err("its tags changed");
    }
    let resolver = Resolver::for_text(linker, &graph.notes);
    let (outline, mut warnings) = resolver.outline(Doc::Other(&file.body), scan);
    if !embeds::note_embeds(&outline).is_empty() {
        let notes: Vec<EmbedNote> = graph
            .notes
            .iter()
            .map(|linked| EmbedNote {
                slug: &linked.note.slug,
                body: &linked.note.body,
                outline: &linked.outline,
            })
            .collect();
        let page = PageText {
            note: None,
            markdown: &file.body,
            outline: &outline,
        };
        warnings.extend(embeds::check_expansion(&page, &notes));
    }
    if warnings.iter().any(|d| d.severity == Severity::Error) {
        return Err("the change has problems to report");
    }

    let from = Ref::Concept(name.clone());
    let targets = |outline: Option<&super::Outline>| -> Vec<Target> {
        outline
            .map(|o| o.links.values().cloned().collect())
            .unwrap_or_default()
    };
    let before = targets(concept.description.as_ref());
    let mut affected = Affected::default();
    for target in &before {
        unlist(graph, &from, target, &mut affected);
    }
    for target in &targets(Some(&outline)) {
        enlist(graph, &from, target, &mut affected);
    }
    let concept = graph.concepts.get_mut(&name).expect("looked up above");
    concept.description = Some(outline);
    concept.file = Some(file);
    affected.concepts.insert(name);
    Ok(Redescribed { affected, warnings })
}
