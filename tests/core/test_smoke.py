def test_me_answers_with_the_token_owner(api_as, agent):
    response = api_as(agent).get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"
    assert response.json()["role"] == "agent"
