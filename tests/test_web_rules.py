"""The web page refuses what the services refuse, with the German text of the same rule (no rule of
its own in a route): who gave the consent, the reference occupation."""

from tests.web_fixtures import (  # noqa: F401  (fixtures)
    accounts,
    client,
    csrf_token,
    login,
    web_app,
    web_cases,
    web_engine,
)


def test_a_consent_giver_longer_than_a_line_is_refused_in_german(client, accounts, web_cases):
    login(client, accounts["verden"].email)
    form = {"given_name": "Mariia", "family_name": "Bondarenko", "birth_date": "14.02.1991", "district": "verden",
            "language": "uk", "profession": "Krankenschwester", "consent": "ja", "consent_by": "x" * 150}
    response = client.post("/faelle/neu", data={**form, "csrf_token": csrf_token(client, "/faelle/neu")})
    assert response.status_code == 422
    assert "Einwilligung erteilt von: bitte „Person“ oder den Namen der gesetzlichen Vertretung eintragen" in response.text


def test_an_unknown_reference_occupation_is_refused_in_german(client, accounts, web_cases):
    login(client, accounts["verden"].email)
    reference = web_cases["verden"]
    page = f"/faelle/{reference}"
    response = client.post(f"{page}/referenzberuf", data={"profession_key": "astronaut",
                                                          "csrf_token": csrf_token(client, page)})
    assert response.status_code == 422
    assert "„astronaut“ ist kein bekannter Referenzberuf; bitte einen aus der Liste wählen." in response.text
