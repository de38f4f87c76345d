//! Writes the benchmark corpus: `cargo run --release --example gen_corpus -- DIR [NOTES [small]]`.
//! The default is 10,000 notes and 50,000 quotes in a vocabulary like real prose; a smaller
//! NOTES scales quotes along, and `small` writes the first corpus's small vocabulary. The Hugo
//! site of the same content is written to `hugo-DIR` beside it.

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: gen_corpus DIR [NOTES]");
        std::process::exit(2);
    };
    let mut shape = corpus::Shape::default();
    if let Some(notes) = args.next() {
        let notes: usize = notes.parse().expect("NOTES is a number");
        shape.quotes_per_source = (notes / 10).max(1);
        shape.notes = notes;
    }
    if args.next().as_deref() == Some("small") {
        shape.vocabulary = corpus::Vocabulary::Small;
    }
    let dir = std::path::Path::new(&dir);
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("{} is not empty", dir.display());
        std::process::exit(2);
    }
    let twin = corpus::hugo_twin(dir);
    let stats = corpus::generate_with_twin(dir, Some(&twin), shape).expect("the corpus is written");
    println!(
        "wrote {} notes and {} quotes to {} (and Hugo's to {}): {stats}",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        dir.display(),
        twin.display()
    );
}
