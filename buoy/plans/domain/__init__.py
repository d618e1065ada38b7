"""Pure rules of the intervention model (no Django): GAS T-scores (`gas`), the CD-RISC-10
ability profile (`abilities`), the technique library (`techniques`) and suggestion rules
(`suggestions`)."""
