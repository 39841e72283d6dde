"""The demo's part for letters: invented postal addresses and employers, so that the demo cases' letters
can be written (`welcome_center.cli.letters.write_due_letters`).

Everything is invented: street names and house numbers are drawn at random; the towns and postcodes
are real places in the two districts. The employers are made up (".example" addresses). About one
person in twenty gets no address, so the demo also shows letters refused with the field named.
Running it again makes the same choices: no address or employer is added, so no new letter is due.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from models import Case, CaseSme, Person, PersonAddress
from models.db import session_scope
from models.letter import PersonAddressCreate
from services.cases import set_person_address
from services.employers import add_sme, link_sme

ACTOR = "demo:beratung@welcome-center.example"

TOWNS = {
    "verden": [("27283", "Verden (Aller)"), ("28832", "Achim"), ("27299", "Langwedel"), ("28870", "Ottersberg"),
               ("28876", "Oyten"), ("27321", "Thedinghausen"), ("27308", "Kirchlinteln"), ("27313", "Dörverden")],
    "osterholz": [("27711", "Osterholz-Scharmbeck"), ("28865", "Lilienthal"), ("27721", "Ritterhude"),
                  ("28790", "Schwanewede"), ("27726", "Worpswede"), ("28879", "Grasberg")],
}
STREETS = ["Bahnhofstraße", "Lindenweg", "Am Markt", "Gartenstraße", "Schulstraße", "Mühlenweg", "Birkenallee",
           "Große Straße", "Am Wall", "Kirchweg", "Feldstraße", "Bremer Straße"]
# (name, contact person, district): invented employers
EMPLOYERS = [
    ("Pflegedienst Allerblick GmbH", "Frau Sabine Kruse", "verden"),
    ("Elektro Wümme Meisterbetrieb", "Herr Jens Harms", "osterholz"),
    ("Seniorenzentrum Am Moor gGmbH", "Frau Anke Lührs", "osterholz"),
    ("Bäckerei Korn & Krume KG", "Herr Tobias Meyer", "verden"),
    ("Kita Sonnenstrahl e. V.", None, "verden"),  # no contact person: its letters are refused, with the field
]


@dataclass
class DemoLetterSetup:
    addresses: int = 0
    employers: int = 0
    links: int = 0


def prepare_demo_letters(engine, *, seed: int = 2026, today: date) -> DemoLetterSetup:
    """Each choice is drawn from a generator seeded with the seed and the person's or case's id, so a
    second run makes the same choices: nobody without an address gets one later, no case gets
    another employer."""
    setup = DemoLetterSetup()
    rng = random.Random(seed)
    with session_scope(engine) as session:
        known = set(session.exec(select(PersonAddress.person_id)).all())
        for person in session.exec(select(Person).order_by(Person.id)).all():
            own = random.Random(f"{seed}-person-{person.id}")
            if person.id in known or own.random() < 0.05:
                continue
            postcode, city = own.choice(TOWNS.get(person.district, TOWNS["verden"]))
            address = PersonAddressCreate(street=f"{own.choice(STREETS)} {own.randint(1, 120)}", postcode=postcode, city=city)
            set_person_address(session, person=person, address=address, actor=ACTOR)
            setup.addresses += 1
        employers = []
        for name, contact, district in EMPLOYERS:
            postcode, city = TOWNS[district][0]
            sme, created = add_sme(
                session, actor=ACTOR, name=name, street=f"{rng.choice(STREETS)} {rng.randint(1, 60)}", postcode=postcode,
                city=city, contact_person=contact, email=f"personal@{name.split()[0].lower()}.example", district=district,
            )
            setup.employers += created
            employers.append(sme)
        linked = set(session.exec(select(CaseSme.case_id)).all())
        for case in session.exec(select(Case).where(Case.state == "decided").order_by(Case.id)).all():
            own = random.Random(f"{seed}-case-{case.id}")
            first = not linked  # the first decided case always gets an employer who may be told: one letter of each kind
            if case.id in linked or (own.random() < 0.4 and not first):
                continue
            choices = [e for e in employers if e.district == case.district and e.contact_person] if first else []
            choices = choices or [e for e in employers if e.district == case.district] or employers
            agreed = first or own.random() < 0.85  # the others show the refusal for want of the person's agreement
            link_sme(session, case=case, sme=own.choice(choices), actor=ACTOR, agreed_on=today if agreed else None)
            linked.add(case.id)
            setup.links += 1
    return setup
