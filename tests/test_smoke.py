def test_each_demo_tenant_answers_on_its_host(client_for):
    for slug, name in [
        ("resilimo", "Résilimo"),
        ("horizon", "Horizon Solutions+"),
        ("msr", "Mutualité Sociale Rurale"),
    ]:
        response = client_for(slug).get("/")
        assert response.status_code == 200
        assert name in response.get_data(as_text=True)
