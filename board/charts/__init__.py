"""Server-rendered SVG charts: pure geometry (`geometry`), an escaping SVG writer (`svg`)
and the figures lapgate draws (`figures`): a run's laps, a round's lap-time distribution
and a racer's season progression."""
