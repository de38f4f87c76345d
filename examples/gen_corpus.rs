//! Writes the benchmark corpus: `cargo run --release --example gen_corpus -- DIR [NOTES]`.
//! The default is 10,000 notes and 50,000 quotes; a smaller NOTES scales quotes along.

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
    let dir = std::path::Path::new(&dir);
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("{} is not empty", dir.display());
        std::process::exit(2);
    }
    corpus::generate(dir, shape).expect("the corpus is written");
    println!(
        "wrote {} notes and {} quotes to {}",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        dir.display()
    );
}
