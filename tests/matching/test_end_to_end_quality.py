"""A small version of scripts/evaluate_matching.py that holds the engine to its targets."""

from lrs.matching import FrequencyTable, Outcome, Scorer
from lrs.matching.memory import InMemoryRegister
from lrs.synthetic import generate_population, generate_queries


def test_quality_targets_hold_on_a_few_thousand_synthetic_learners_with_labelled_queries():
    population = generate_population(5_000, seed=77)
    by_id = {p.person_id: p for p in population}
    register = InMemoryRegister()
    register.add_many((p.person_id, p.demographics) for p in population if p.registered)
    scorer = Scorer(frequencies=FrequencyTable.from_names(register.records.values()))
    queries = generate_queries(population, 3_000, seed=78, absent_share=0.25)

    exact = exact_right = registered = found = absent = absent_exact = twin_exact = 0
    for labelled in queries:
        answer = register.find(labelled.query, scorer)
        refs = [r.ref for r in answer.matches]
        if answer.outcome is Outcome.EXACT:
            exact += 1
            exact_right += refs[0] == labelled.true_id
            source = by_id.get(labelled.source_id)
            if source is not None and refs[0] != labelled.true_id:
                twin_exact += (
                    source.twin_of == refs[0] or by_id[refs[0]].twin_of == source.person_id
                )
        if labelled.true_id is None:
            absent += 1
            absent_exact += answer.outcome is Outcome.EXACT
        else:
            registered += 1
            found += labelled.true_id in refs

    assert exact > 0.4 * len(queries)
    assert exact_right / exact >= 0.9995
    assert found / registered >= 0.99
    assert absent_exact / absent <= 0.0005
    assert twin_exact == 0
