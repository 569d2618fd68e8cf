"""French surnames and first names for synthetic people (all encodable in windows-1252)."""

from __future__ import annotations

_LAST = """
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre
Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent
Müller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand
Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson
Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly
Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux
Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe
Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte López Dupuy
Guillot Hubert Berger Carpentier Sánchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez
Boucher Fleury Royer Klein Jacquet Adam Poirier Marty Aubry Guyot Carré Charles Renault
Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le_Gall Collet Léger
Bouvier Julien Prévost Millet Perrot Daniel Le_Roux Cousin Germain Breton Besson Langlois Rémy
Le_Goff Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger
Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier
Collin Chauvin Da_Silva Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau
Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte
N'Diaye Benali Haddad Nguyen Traoré Kowalski Dos_Santos Bouvet Saint-Martin
"""

_FEMALE = """
Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Sylvie Anne Martine Christine
Sophie Valérie Nicole Sandrine Véronique Brigitte Chantal Stéphanie Céline Patricia Christiane
Hélène Danielle Madeleine Aurélie Julie Émilie Nadine Jacqueline Camille Laurence Annie Denise
Élise Agnès Corinne Josiane Dominique Michèle Pascale Odile Geneviève Claire Béatrice Yvette
Colette Marine Audrey Caroline Virginie Lucie Mélanie Élodie Karine Florence Laetitia Delphine
Éliane Pauline Charlotte Manon Léa Chloé Sarah Laura Emma Justine Anaïs Margaux Mathilde Inès
Clémence Gisèle Simone Suzanne Thérèse Paulette Renée Huguette Yvonne Marie-Claude
Marie-Thérèse Anne-Marie Marie-Christine Marie-France Marie-Hélène Ginette Rose Lucienne
Raymonde Fatima Aïcha Myriam Noémie Solène Gaëlle Maëlle Armelle Bernadette Fabienne Muriel
"""

_MALE = """
Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel Daniel Roger Robert
Paul Claude Christian Henri Georges Nicolas François Patrick Gérard Christophe Joseph Julien
Éric Frédéric Laurent Stéphane David Pascal Sébastien Thierry Olivier Jean-Pierre Jean-Claude
Jean-Luc Jean-Marc Jean-François Jean-Louis Jean-Paul Jean-Michel Yves Guy Raymond Lucien
Maurice Gilbert Serge Didier Dominique Bruno Denis Vincent Thomas Alexandre Antoine Guillaume
Mathieu Maxime Romain Nicolas Benoît Jérôme Cédric Fabrice Franck Hervé Lionel Ludovic Grégory
Yannick Arnaud Damien Jérémy Anthony Kévin Florian Quentin Hugo Lucas Théo Clément Bastien
Gaëtan Loïc Rémi Mickaël Noël Joël Gaston Fernand Émile Marius Mohamed Karim Rachid Youssef
Hamid Thibault Baptiste Aurélien
"""


def _words(text: str) -> tuple[str, ...]:
    # "_" joins multi-word surnames ("Le Gall") that must survive the split on whitespace.
    return tuple(dict.fromkeys(w.replace("_", " ") for w in text.split()))


LAST_NAMES = _words(_LAST)
FEMALE_FIRST_NAMES = _words(_FEMALE)
MALE_FIRST_NAMES = _words(_MALE)
