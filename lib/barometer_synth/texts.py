"""Invented texts in the respondent's language: open answers, project names, people.

Short, varied templates; nothing here is a real answer and no name is a real person's.
"""

from __future__ import annotations

DEFINITIONS = {
    "nl": [
        "Een stad die technologie inzet om de levenskwaliteit van haar inwoners te verbeteren.",
        "Slim gebruik van data en digitale middelen om de dienstverlening efficiënter te maken.",
        "Een gemeente die samen met burgers, bedrijven en kennisinstellingen innoveert.",
        "Duurzame ontwikkeling met behulp van nieuwe technologieën.",
        "Een gemeente die haar middelen slimmer beheert (energie, mobiliteit, afval).",
        "Moeilijk te omschrijven, vooral een modewoord voor grote steden.",
        "Een stad die open data en participatie gebruikt om beter te besturen.",
        "Een efficiënte administratie met digitale loketten voor de burger.",
        "Technologie ten dienste van de burger, niet omgekeerd",
        "Verbonden diensten, sensoren en data om beter te beslissen",
    ],
    "fr": [
        "Une ville qui utilise la technologie pour améliorer la qualité de vie de ses habitants.",
        "L'utilisation intelligente des données et des outils numériques pour rendre les services plus efficaces.",
        "Une commune qui innove avec les citoyens, les entreprises et les acteurs du savoir.",
        "Le développement durable grâce aux nouvelles technologies.",
        "Une commune qui gère mieux ses ressources (énergie, mobilité, déchets).",
        "Difficile à définir ; surtout un mot à la mode pour les grandes villes.",
        "Une ville qui s'appuie sur les données ouvertes et la participation pour mieux gouverner.",
        "Une administration efficace avec des guichets numériques pour le citoyen.",
        "La technologie au service du citoyen, et pas l'inverse",
        "Des services connectés, des capteurs et des données pour mieux décider",
    ],
}

SUPPORT = {
    "nl": [
        "Financiële ondersteuning vanuit het Gewest.",
        "Uitwisseling van goede praktijken tussen gemeenten.",
        "Begeleiding bij het opstellen van een strategie.",
        "Opleiding voor het personeel.",
        "Een centraal aanspreekpunt bij de hogere overheid.",
        "Subsidies voor proefprojecten",
        "Een overzicht van bestaande oplossingen en leveranciers.",
        "Samenaankoop via de intercommunale",
    ],
    "fr": [
        "Un soutien financier de la Région.",
        "Des échanges de bonnes pratiques entre communes.",
        "Un accompagnement pour élaborer une stratégie.",
        "Des formations pour le personnel.",
        "Un point de contact unique auprès des autorités supérieures.",
        "Des subsides pour des projets pilotes",
        "Un inventaire des solutions et des fournisseurs existants.",
        "Des achats groupés via l'intercommunale",
    ],
}

COMMENTS = {
    "nl": [
        "Interessante enquête.",
        "Sommige vragen zijn moeilijk te beantwoorden voor een kleine gemeente.",
        "Graag de resultaten ontvangen.",
        "De vragenlijst was vrij lang.",
        "Het begrip smart city is voor ons nog nieuw.",
        "Succes met het onderzoek!",
    ],
    "fr": [
        "Enquête intéressante.",
        "Certaines questions sont difficiles pour une petite commune.",
        "Merci de nous transmettre les résultats.",
        "Le questionnaire était assez long.",
        "La notion de smart city est encore nouvelle pour nous.",
        "Bonne continuation pour cette recherche !",
    ],
}

OTHER_FUNCTION = {
    "nl": ["Stafmedewerker beleid", "Diensthoofd ICT en e-government", "Mobiliteitsambtenaar", "Strategisch coördinator"],
    "fr": ["Conseiller en mobilité", "Responsable informatique", "Coordinateur du plan stratégique transversal",
           "Conseiller en environnement"],
}

OTHER_TOOL = {
    "nl": ["Uitwisseling tussen gemeenten", "Een lerend netwerk van ambtenaren", "Begeleiding op maat"],
    "fr": ["Échanges entre communes", "Un réseau d'apprentissage entre agents", "Un accompagnement sur mesure"],
}

OTHER_LABEL = {
    "nl": ["Slimme dorpen", "Klimaatgemeente", "Open stad"],
    "fr": ["Village intelligent", "Commune climat", "Ville ouverte"],
}

OTHER_DEPARTMENT = {
    "nl": ["Dienst ruimtelijke ordening"],
    "fr": ["Service de l'urbanisme"],
}

#: Project names per Giffinger dimension, in both languages.
PROJECTS = {
    "economy": {
        "nl": ["Digitaal ondernemersloket", "Gratis wifi in het winkelcentrum", "Coworkingruimte in het gemeentehuis",
               "Lokaal webwinkelplatform voor handelaars", "Startersbegeleiding voor kmo's",
               "Digitale markt- en evenementenkalender", "Leegstandsmonitor voor handelspanden"],
        "fr": ["Guichet numérique pour les entreprises", "Wifi gratuit dans le centre commerçant",
               "Espace de coworking communal", "Plateforme d'e-commerce pour les commerçants locaux",
               "Accompagnement des starters et PME", "Agenda numérique des marchés et événements",
               "Observatoire des cellules commerciales vides"],
    },
    "environment": {
        "nl": ["Slimme LED-straatverlichting", "Energieboekhouding van gemeentelijke gebouwen",
               "Zonnepanelen op gemeentelijke gebouwen", "Sensoren voor luchtkwaliteit", "Slimme afvalcontainers",
               "Renovatieloket voor energiezuinig wonen", "Warmtenet voor openbare gebouwen", "Waterbeheer met sensoren"],
        "fr": ["Éclairage public LED intelligent", "Comptabilité énergétique des bâtiments communaux",
               "Panneaux photovoltaïques sur les bâtiments communaux", "Capteurs de qualité de l'air",
               "Conteneurs à déchets connectés", "Guichet rénovation énergétique",
               "Réseau de chaleur pour les bâtiments publics", "Gestion de l'eau par capteurs"],
    },
    "governance": {
        "nl": ["E-loket voor attesten", "Open data-portaal", "Papierloze gemeenteraad", "Online meldpunt voor burgers",
               "Burgerbegroting online", "Digitaal document- en archiefbeheer", "Gemeentelijke app"],
        "fr": ["Guichet électronique pour les documents administratifs", "Portail open data",
               "Conseil communal sans papier", "Plateforme de signalement en ligne", "Budget participatif en ligne",
               "Gestion électronique des documents", "Application mobile communale"],
    },
    "mobility": {
        "nl": ["Slimme parkeersensoren", "Deelfietsen aan het station", "Realtime-informatie over het openbaar vervoer",
               "Laadpalen voor elektrische wagens", "Verkeerstellingen met camera's", "Deelwagens voor het personeel"],
        "fr": ["Capteurs de stationnement intelligents", "Vélos partagés à la gare",
               "Information en temps réel sur les transports en commun", "Bornes de recharge pour véhicules électriques",
               "Comptages de trafic par caméras", "Voitures partagées pour le personnel"],
    },
    "people": {
        "nl": ["Digitale vaardigheden voor senioren", "Tablets in de lagere scholen",
               "Openbare computerruimte in de bibliotheek", "Codeerlessen voor jongeren", "E-inclusieproject met het OCMW",
               "Digitale leeromgeving voor volwassenenonderwijs"],
        "fr": ["Formation numérique pour les seniors", "Tablettes dans les écoles primaires",
               "Espace public numérique à la bibliothèque", "Ateliers de programmation pour les jeunes",
               "Projet d'inclusion numérique avec le CPAS", "Plateforme d'apprentissage pour adultes"],
    },
    "living": {
        "nl": ["Camerabewaking in het centrum", "Zorg op afstand voor ouderen", "Gratis wifi op het marktplein",
               "Digitaal toeristisch infopunt", "Online reservatie van sportinfrastructuur", "Buurtplatform voor vrijwilligers"],
        "fr": ["Vidéosurveillance dans le centre", "Télé-assistance pour les personnes âgées",
               "Wifi gratuit sur la place du marché", "Point d'information touristique numérique",
               "Réservation en ligne des infrastructures sportives", "Plateforme de quartier pour les bénévoles"],
    },
}

#: Invented people (fixed columns and the contact e-mail): common first names, surnames that
#: are plainly made up, so no row can be mistaken for a real official.
FIRST_NAMES = {
    "nl": ["An", "Bart", "Els", "Koen", "Sofie", "Pieter", "Lies", "Tom", "Griet", "Wim", "Ine", "Joris"],
    "fr": ["Anne", "Luc", "Sophie", "Marc", "Julie", "Olivier", "Claire", "Thierry", "Nathalie", "Benoît",
           "Céline", "Pascal"],
}
LAST_NAMES = {
    "nl": ["Voorbeeldt", "Proefmans", "Testaert", "Vragenaere", "Steekproefs", "Datavoort", "Peilmans", "Enquêtier"],
    "fr": ["Exemplet", "Sondageot", "Questionnaud", "Échantillard", "Fictivier", "Modelot", "Barométrie", "Inventé"],
}
