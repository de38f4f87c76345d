use std::time::Instant;
fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    for _ in 0..3 {
        let t = Instant::now();
        let (corpus, _) = commonplace::load::load(&root, &Default::default()).unwrap();
        let load = t.elapsed();
        let t = Instant::now();
        let c2 = corpus.notes.clone();
        let clone = t.elapsed();
        drop(c2);
        let t = Instant::now();
        let (graph, _) = commonplace::link::link(corpus);
        eprintln!(
            "load {:?} clone-notes {:?} link {:?} notes {}",
            load,
            clone,
            t.elapsed(),
            graph.notes.len()
        );
    }
}
