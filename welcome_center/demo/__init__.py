"""The main job on invented data (`welcome-center demo`): a population, files for the inbox, letters,
demo accounts. Imported only by the demo command, the tests and the benchmarks."""
