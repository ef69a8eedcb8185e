extension Catalog {
    /// The catalog Ballast ships. `ballast catalog` prints it; edit a copy and pass `--catalog FILE`.
    public static let builtinYAML = """
    # Ballast pricing catalog. Prices in USD per month for a full month (730 hours) unless noted.
    name: render-2026-08
    currency: USD
    date: "2026-08-18"
    source: >-
      Render compute, Key Value and Postgres: Render-authored skill files (render-oss/skills, 2026-02 to
      2026-08) and render.com/docs; Supabase: supabase/supabase docs compute-and-disk.mdx; OpenAI:
      openai.com/api/pricing (standard tier). Confirm current charges at render.com/pricing before relying on them.
    hoursPerMonth: 730
    compute:
      free:      { cpu: 0.1, memory: 512MB, monthly: 0,   scalable: false, types: [web] }
      starter:   { cpu: 0.5, memory: 512MB, monthly: 7 }
      standard:  { cpu: 1,   memory: 2GB,   monthly: 25 }
      pro:       { cpu: 2,   memory: 4GB,   monthly: 85 }
      pro_plus:  { cpu: 4,   memory: 8GB,   monthly: 175 }
      pro_max:   { cpu: 4,   memory: 16GB,  monthly: 225, types: [web, worker, pserv] }
      pro_ultra: { cpu: 8,   memory: 32GB,  monthly: 450, types: [web, worker, pserv] }
    keyvalue:
      free:      { memory: 25MB,  maxConnections: 50,    monthly: 0 }
      starter:   { memory: 256MB, maxConnections: 250,   monthly: 10 }
      standard:  { memory: 1GB,   maxConnections: 1000,  monthly: 32 }
      pro_plus:  { memory: 10GB,  maxConnections: 10000, monthly: 250 }
      pro_max:   { memory: 20GB,  maxConnections: 20000, monthly: 550 }
    postgres:
      storagePerGB: 0.30
      plans:
        free:             { memory: 256MB, maxConnections: 100, monthly: 0 }
        basic_256mb:      { memory: 256MB, maxConnections: 100, monthly: 6 }
        basic_1gb:        { memory: 1GB,   maxConnections: 100, monthly: 19 }
        pro_4gb:          { memory: 4GB,   maxConnections: 100, monthly: 55 }
        pro_8gb:          { memory: 8GB,   maxConnections: 200, monthly: 100 }
        accelerated_16gb: { memory: 16GB,  maxConnections: 400, monthly: 160 }
        accelerated_32gb: { memory: 32GB,  maxConnections: 500, monthly: 350 }
        accelerated_64gb: { memory: 64GB,  maxConnections: 500, monthly: 750 }
    supabase:
      computeCredit: 10
      plans:
        free: { monthly: 0 }
        pro:  { monthly: 25 }
        team: { monthly: 599 }
      compute:
        nano:   { memory: 512MB, maxConnections: 60,  monthly: 0 }
        micro:  { memory: 1GB,   maxConnections: 60,  monthly: 10 }
        small:  { memory: 2GB,   maxConnections: 90,  monthly: 15 }
        medium: { memory: 4GB,   maxConnections: 120, monthly: 60 }
        large:  { memory: 8GB,   maxConnections: 160, monthly: 110 }
        xl:     { memory: 16GB,  maxConnections: 240, monthly: 210 }
        2xl:    { memory: 32GB,  maxConnections: 380, monthly: 410 }
        4xl:    { memory: 64GB,  maxConnections: 480, monthly: 960 }
    models:   # USD per one million tokens
      gpt-4o:                 { input: 2.50, output: 10.00 }
      gpt-4o-mini:            { input: 0.15, output: 0.60 }
      gpt-4.1:                { input: 2.00, output: 8.00 }
      gpt-4.1-mini:           { input: 0.40, output: 1.60 }
      o3-mini:                { input: 1.10, output: 4.40 }
      text-embedding-3-small: { input: 0.02, output: 0 }
    """

    /// The built-in catalog; it is tested to parse without diagnostics.
    public static func builtin() -> Catalog {
        let (catalog, _) = Catalog.parse(builtinYAML, file: "<builtin catalog>")
        return catalog!
    }
}
